"""Alerts to deliver, channel secrets pointing at the local fakes, and a clock that sleeps virtually."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from genai_costs.alerting.targets import EmailTarget, SlackTarget, SmsTarget, WebhookTarget
from genai_costs.model.alert import (
    Alert,
    AlertBudget,
    AlertKind,
    AlertPeriod,
    AlertScope,
    BudgetFacts,
    Contributor,
    Forecast,
    OperationalFacts,
    TopContributors,
    WhereToLook,
    stable_alert_id,
)
from genai_costs.secrets import SecretStore
from provider_sim.channels import ChannelCredentials

SIM = ChannelCredentials()
EVALUATED = dt.datetime(2025, 10, 29, 14, 5, tzinfo=dt.UTC)


def budget_alert(
    *,
    name: str = "Tenant acme monthly",
    kind: AlertKind = AlertKind.BUDGET_ACTUAL,
    threshold: str = "90",
    spend: str = "9240.123456789",
    amount: str = "10000",
    evaluated_at: dt.datetime = EVALUATED,
) -> Alert:
    return Alert(
        alert_id=stable_alert_id("demo", kind, "bud_acme", "2025-10-01", threshold),
        kind=kind,
        org_slug="demo",
        evaluated_at=evaluated_at,
        budget=BudgetFacts(
            budget=AlertBudget(
                budget_id="bud_acme",
                name=name,
                scope=AlertScope(tenant="acme", service="chat", tags={"team": "ml"}),
                amount=Decimal(amount),
            ),
            period=AlertPeriod(start=dt.date(2025, 10, 1), end=dt.date(2025, 11, 1), time_zone="Europe/Berlin"),
            threshold_percent=Decimal(threshold),
            spend_to_date=Decimal(spend),
            forecast=Forecast(expected=Decimal("11800.5"), low=Decimal("10900"), high=Decimal("12750.25")),
            estimated_days=[dt.date(2025, 10, 28), dt.date(2025, 10, 29)],
            top=TopContributors(
                tenants=[Contributor(name="acme", amount=Decimal("9240.123456789"))],
                users=[
                    Contributor(name="ana@acme.example.com", amount=Decimal("4100")),
                    Contributor(name="bo@acme.example.com", amount=Decimal("2000.004")),
                ],
                models=[
                    Contributor(name="gpt-4o", amount=Decimal("6000")),
                    Contributor(name="claude-sonnet-4", amount=Decimal("3240.123456789")),
                ],
            ),
        ),
        where_to_look=WhereToLook(
            url="https://console.cloud.google.com/bigquery?project=demo-prj",
            hint="demo_prod.genai_budget_status WHERE budget_id = 'bud_acme'",
        ),
    )


def operational_alert(kind: AlertKind = AlertKind.RUN_FAILED) -> Alert:
    return Alert(
        alert_id=stable_alert_id("demo", kind, "payg/openai", "run-42"),
        kind=kind,
        org_slug="demo",
        evaluated_at=EVALUATED,
        operational=OperationalFacts(
            summary="ingest payg/openai failed: ProviderAuthError", source="payg/openai", run_id="run-42"
        ),
    )


SLACK_SECRET = "alerts-slack"
EMAIL_SECRET = "alerts-sendgrid"
SMS_SECRET = "alerts-twilio"
WEBHOOK_SECRET = "alerts-webhook"

SLACK = SlackTarget(secret_id=SLACK_SECRET)
EMAIL = EmailTarget(
    secret_id=EMAIL_SECRET, to=["finops@acme.example.com", "cto@acme.example.com"], from_email="alerts@acme.example.com"
)
SMS = SmsTarget(secret_id=SMS_SECRET, to="+15551230001", from_number="+15557650002")
WEBHOOK = WebhookTarget(secret_id=WEBHOOK_SECRET)


def store_sim_secrets(store: SecretStore, base_url: str, *, webhook_secret: str = SIM.webhook_secret) -> dict[str, str]:
    """Channel secrets pointing at the simulator; returns every secret value, for leak checks."""
    values = {
        "slack_url": base_url + SIM.slack_webhook_path,
        "slack_token": SIM.slack_webhook_path.rsplit("/", 1)[-1],
        "sendgrid_key": SIM.sendgrid_api_key,
        "twilio_token": SIM.twilio_auth_token,
        "webhook_url": base_url + "/webhooks/ops",
        "webhook_secret": webhook_secret,
    }
    store.put(SLACK_SECRET, json.dumps({"webhook_url": values["slack_url"]}))
    store.put(EMAIL_SECRET, json.dumps({"api_key": SIM.sendgrid_api_key, "base_url": base_url + "/sendgrid"}))
    store.put(
        SMS_SECRET,
        json.dumps(
            {
                "account_sid": SIM.twilio_account_sid,
                "auth_token": SIM.twilio_auth_token,
                "base_url": base_url + "/twilio",
            }
        ),
    )
    store.put(WEBHOOK_SECRET, json.dumps({"url": values["webhook_url"], "signing_secret": webhook_secret}))
    return values


@dataclass
class VirtualClock:
    """Starts at the real time (the webhook fake checks timestamps) and advances only on sleep."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += dt.timedelta(seconds=seconds)


def received(sim: httpx.Client, channel: str) -> list[dict]:
    return sim.get(f"/_sim/channels/{channel}/messages").json()["messages"]


def inject(sim: httpx.Client, channel: str, *faults: str | dict) -> None:
    assert sim.post("/_sim/faults", json={"provider": channel, "faults": list(faults)}).status_code == 200
