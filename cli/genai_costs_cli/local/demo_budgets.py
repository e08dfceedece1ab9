"""The budgets part of `make run`: channel secrets pointing at the simulator's fakes of Slack,
SendGrid, Twilio and a Standard Webhooks receiver, a few demo budgets, an evaluation through the
same entry point Cloud Scheduler triggers (functions/evaluate_budgets/main.py, over the in-process
bus), a second evaluation that must send nothing new, and what each fake received.

The simulated spend is billed cost only (genai_costs_daily_unified): per-request usage events are
not on this branch, so budgets scoped to a tenant, user, service or workflow would see no spend;
the demo budgets are scoped to the organization and to providers. Their amounts are sized from the
simulated spend, so the same thresholds cross whatever the date of the run.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from genai_costs.alerting.targets import ChannelTarget, EmailTarget, SlackTarget, SmsTarget, WebhookTarget
from genai_costs.budgets.model import BudgetDefinition
from genai_costs.budgets.store import BudgetNotFoundError, create_budget, get_budget
from genai_costs.model.window import Window
from genai_costs.orgs import dataset_for
from genai_costs.paths import sql_root
from genai_costs.secrets import SecretStore
from genai_costs.warehouse.base import Param, Warehouse
from genai_costs.warehouse.sqlfiles import read_single_statement
from provider_sim.channels import CHANNELS, ChannelCredentials

SIM = ChannelCredentials()
BUDGETS_TOPIC = "genai-budgets"


def channel_secret_ids(org_slug: str) -> dict[str, str]:
    return {kind: f"genai-{org_slug}-alerts-{kind}" for kind in ("slack", "email", "sms", "webhook")}


def store_channel_secrets(store: SecretStore, org_slug: str, base_url: str) -> dict[str, ChannelTarget]:
    """Channel credentials as Secret Manager would hold them, pointing at the fakes; the targets
    (the non-secret half a budget stores)."""
    ids = channel_secret_ids(org_slug)
    store.put(ids["slack"], json.dumps({"webhook_url": base_url + SIM.slack_webhook_path}))
    store.put(ids["email"], json.dumps({"api_key": SIM.sendgrid_api_key, "base_url": base_url + "/sendgrid"}))
    twilio = {"account_sid": SIM.twilio_account_sid, "auth_token": SIM.twilio_auth_token}
    twilio["base_url"] = base_url + "/twilio"
    store.put(ids["sms"], json.dumps(twilio))
    store.put(
        ids["webhook"], json.dumps({"url": base_url + f"/webhooks/{org_slug}", "signing_secret": SIM.webhook_secret})
    )
    return {
        "slack": SlackTarget(secret_id=ids["slack"]),
        "email": EmailTarget(
            secret_id=ids["email"], to=["finops@demo.example.com"], from_email="alerts@demo.example.com"
        ),
        "sms": SmsTarget(secret_id=ids["sms"], to="+15551230001", from_number="+15557650002"),
        "webhook": WebhookTarget(secret_id=ids["webhook"]),
    }


def _spend(warehouse: Warehouse, dataset: str, window: Window, provider: str | None) -> Decimal:
    params = {"p_start": window.start, "p_end": window.end, "p_provider": Param("STRING", provider)}
    rows = warehouse.query(dataset, read_single_statement(sql_root() / "reports" / "billed_spend.sql"), params)
    return Decimal(rows[0]["spend_usd"])


def _round_to(value: Decimal, step: Decimal) -> Decimal:
    return max(step, (value / step).quantize(Decimal(1), ROUND_HALF_UP) * step)


def demo_definitions(
    warehouse: Warehouse, org_slug: str, window: Window, targets: dict[str, ChannelTarget]
) -> list[BudgetDefinition]:
    """Three budgets whose ladders cross on the simulated spend (the whole window is their period,
    or a calendar month): one at 80 % (50 % recorded, 75 % sent), one exceeded, one whose forecast
    passes 100 % while its actual spend may not."""
    dataset = dataset_for(org_slug)
    last_30 = {"kind": "custom", "start": window.start, "end": window.end + dt.timedelta(days=1)}
    org_spend = _spend(warehouse, dataset, window, None)
    openai_spend = _spend(warehouse, dataset, window, "openai")
    week = Window(start=window.end - dt.timedelta(days=7), end=window.end)
    anthropic_daily = _spend(warehouse, dataset, week, "anthropic") / 7
    forecast_100 = [{"percent": "100", "basis": "forecast"}]
    default = [{"percent": p} for p in ("50", "75", "90", "100")]
    return [
        BudgetDefinition.model_validate(
            {
                "budget_id": "bud_demo_org",
                "name": "Organization, simulated 30 days",
                "amount_usd": _round_to(org_spend * Decimal("1.25"), Decimal(1000)),
                "period": last_30 | {"time_zone": "UTC"},
                "thresholds": default,
                "channels": [targets["slack"], targets["email"]],
            }
        ),
        BudgetDefinition.model_validate(
            {
                "budget_id": "bud_demo_openai",
                "name": "OpenAI, simulated 30 days",
                "amount_usd": _round_to(openai_spend * Decimal("0.95"), Decimal(10)),
                "period": last_30 | {"time_zone": "Europe/Berlin"},
                "scope": {"provider": "openai"},
                "thresholds": default,
                "channels": [targets["sms"], targets["webhook"]],
            }
        ),
        BudgetDefinition.model_validate(
            {
                "budget_id": "bud_demo_anthropic_month",
                "name": "Anthropic, monthly (New York)",
                "amount_usd": _round_to(anthropic_daily * 31 * Decimal("0.8"), Decimal(100)),
                "period": {"kind": "monthly", "time_zone": "America/New_York"},
                "scope": {"provider": "anthropic"},
                "thresholds": default + forecast_100,
                "channels": [targets["slack"], targets["webhook"]],
            }
        ),
    ]


def ensure_demo_budgets(
    warehouse: Warehouse, org_slug: str, window: Window, targets: dict[str, ChannelTarget], *, now: dt.datetime
) -> list[str]:
    """Create the demo budgets that are absent (a second `make run` keeps the ones it made)."""
    dataset = dataset_for(org_slug)
    made = []
    for definition in demo_definitions(warehouse, org_slug, window, targets):
        assert definition.budget_id is not None
        try:
            get_budget(warehouse, dataset, definition.budget_id)
        except BudgetNotFoundError:
            create_budget(warehouse, dataset, org_slug, definition, now=now)
            made.append(definition.budget_id)
    return made


@dataclass
class Received:
    """What one fake recorded, summarized for the terminal (never a secret)."""

    channel: str
    to: str
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)


def _summary(channel: str, message: dict[str, Any]) -> Received:
    if channel == "slack":
        return Received(channel, message["webhook"], message["text"].splitlines()[0], message)
    if channel == "sendgrid":
        to = ", ".join(t["email"] for p in message["personalizations"] for t in p["to"])
        return Received("email", to, message.get("subject", ""), message)
    if channel == "twilio":
        return Received("sms", message["to"], message["body"].splitlines()[0], message)
    payload = message.get("payload") or {}
    verified = "signature verified" if message.get("verified") else f"REJECTED: {message.get('reason')}"
    return Received("webhook", f"/webhooks/{message['endpoint']} ({verified})", str(payload.get("type")), message)


def channel_messages(base_url: str) -> list[Received]:
    """Everything the fakes received, in arrival order."""
    found: list[tuple[int, Received]] = []
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for channel in CHANNELS:
            for message in client.get(f"/_sim/channels/{channel}/messages").json()["messages"]:
                found.append((message["seq"], _summary(channel, message)))
    return [r for _, r in sorted(found, key=lambda x: x[0])]
