"""``genai-costs budgets``: create, list, change, pause, resume and delete budgets, ask a budget's
status, list recent alerts, and run one evaluation. Every command goes through the same functions as
the budgets HTTP API (:func:`genai_costs.budgets.api.handle`), so the validation, the errors and
the answers are the same."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from genai_costs.alerting.http import new_http_client
from genai_costs.budgets.api import handle
from genai_costs.budgets.evaluation import EvaluateBudgetsMessage, evaluate_budgets
from genai_costs.budgets.runtime import evaluation_interval, open_dispatcher, open_metrics, ops_targets
from genai_costs.errors import GenAICostsError
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

budgets_app = typer.Typer(no_args_is_help=True, help="Budgets and their alerts (they alert; they never block).")


def _console() -> Console:
    from .app import console

    return console


def call(method: str, path: str, body: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """One API call on the configured backend; an error answer exits with its message."""
    settings = get_settings()
    with open_warehouse(settings) as warehouse:
        answer, status = handle(
            method,
            path,
            warehouse=warehouse,
            body=None if body is None else json.dumps(body),
            interval=evaluation_interval(settings),
            **kwargs,
        )
    if status >= 400:
        _console().print(f"[red]error ({status}):[/red] {answer.get('error')}")
        raise typer.Exit(2)
    return answer


def _scope_text(scope: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in scope.items() if v and k != "tags"]
    parts += [f"tag {k}={v}" for k, v in (scope.get("tags") or {}).items()]
    return ", ".join(parts) or "whole organization"


def _period_text(period: dict[str, Any]) -> str:
    if period["kind"] == "custom":
        return f"{period['start']}..{period['end']} {period['time_zone']}"
    return f"{period['kind']} {period['time_zone']}"


def print_budgets(budgets: list[dict[str, Any]]) -> None:
    table = Table("id", "name", "scope", "amount", "period", "thresholds", "channels", "state", title="Budgets")
    for b in budgets:
        thresholds = ", ".join(f"{_percent(t['percent'])}% {t['basis']}" for t in b["thresholds"])
        channels = ", ".join(c["kind"] for c in b["channels"]) or "-"
        state = "enabled" if b["enabled"] else "paused"
        table.add_row(
            b["budget_id"], b["name"], _scope_text(b["scope"]), _money(b["amount_usd"]), _period_text(b["period"]),
            thresholds, channels, f"{state}, v{b['version']}",
        )  # fmt: skip
    _console().print(table)


def _percent(value: str) -> str:
    return value.rstrip("0").rstrip(".") if "." in value else value


def _definition(
    name: str | None,
    amount: str | None,
    period: str | None,
    time_zone: str | None,
    scope: list[str],
    tags: list[str],
    thresholds: list[str],
    channels: list[str],
    cooldown: int | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if amount is not None:
        body["amount_usd"] = amount
    if period is not None or time_zone is not None:
        body["period"] = {"kind": period or "monthly", "time_zone": time_zone or "UTC"}
    found: dict[str, Any] = {}
    for item in scope:
        key, _, value = item.partition("=")
        found[key] = value
    if tags:
        found["tags"] = dict(t.partition("=")[::2] for t in tags)
    if found:
        body["scope"] = found
    if thresholds:
        body["thresholds"] = [
            {"percent": t.partition(":")[0], "basis": t.partition(":")[2] or "actual"} for t in thresholds
        ]
    if channels:
        body["channels"] = [json.loads(c) if c.startswith("{") else _channel(c) for c in channels]
    if cooldown is not None:
        body["cooldown_minutes"] = cooldown
    return body


def _channel(text: str) -> dict[str, Any]:
    """slack:SECRET_ID, webhook:SECRET_ID or pubsub:TOPIC; other channels as a JSON object."""
    kind, _, value = text.partition(":")
    if kind == "pubsub":
        return {"kind": "pubsub", "topic": value}
    return {"kind": kind, "secret_id": value}


SCOPE_HELP = "tenant=, user=, service=, workflow=, provider=, model= or project= (repeatable)"
THRESHOLD_HELP = "PERCENT[:actual|forecast] (repeatable; default 50, 75, 90, 100 on actual spend)"
CHANNEL_HELP = 'slack:SECRET_ID, webhook:SECRET_ID, pubsub:TOPIC or a JSON target (e.g. {"kind": "email", ...})'


@budgets_app.command(
    "create",
    epilog=(
        'Example: genai-costs budgets create demo --name "Tenant acme" --amount 500 --period monthly '
        "--time-zone Europe/Berlin --scope tenant=acme --threshold 80 --threshold 100:forecast "
        "--channel slack:genai-demo-alerts-slack"
    ),
)
def create_cmd(
    org_slug: str,
    name: str = typer.Option(None, help="Display name"),
    amount: str = typer.Option(None, help="Amount per period in USD (exact decimal)"),
    period: str = typer.Option(None, help="daily, weekly, monthly, quarterly or yearly"),
    time_zone: str = typer.Option(None, help="IANA time zone of the periods (default UTC)"),
    scope: list[str] = typer.Option([], help=SCOPE_HELP),
    tag: list[str] = typer.Option([], help="KEY=VALUE the events must carry (repeatable, at most 3)"),
    threshold: list[str] = typer.Option([], help=THRESHOLD_HELP),
    channel: list[str] = typer.Option([], help=CHANNEL_HELP),
    cooldown_minutes: int = typer.Option(None, help="Repeat a crossed threshold at most this often"),
    from_file: Path = typer.Option(None, help="A JSON budget definition (as the API takes it)"),
) -> None:
    """Create a budget from options or a JSON file."""
    body = json.loads(from_file.read_text()) if from_file else {}
    body |= _definition(name, amount, period, time_zone, scope, tag, threshold, channel, cooldown_minutes)
    print_budgets([call("POST", f"/{org_slug}/budgets", body)])


@budgets_app.command("change", epilog="Example: genai-costs budgets change demo BUDGET_ID --amount 750")
def change_cmd(
    org_slug: str,
    budget_id: str,
    name: str = typer.Option(None),
    amount: str = typer.Option(None),
    period: str = typer.Option(None),
    time_zone: str = typer.Option(None),
    threshold: list[str] = typer.Option([], help=THRESHOLD_HELP),
    channel: list[str] = typer.Option([], help=CHANNEL_HELP),
    cooldown_minutes: int = typer.Option(None),
    if_version: int = typer.Option(None, help="Refuse the change unless the budget is at this version"),
) -> None:
    """Change a budget: the next version (alerts already sent for this period are not sent again)."""
    body = _definition(name, amount, period, time_zone, [], [], threshold, channel, cooldown_minutes)
    headers = {"If-Match": str(if_version)} if if_version is not None else {}
    print_budgets([call("PATCH", f"/{org_slug}/budgets/{budget_id}", body, headers=headers)])


@budgets_app.command("list", epilog="Example: genai-costs budgets list demo")
def list_cmd(org_slug: str) -> None:
    """Every budget, enabled and paused."""
    print_budgets(call("GET", f"/{org_slug}/budgets")["budgets"])


@budgets_app.command("show", epilog="Example: genai-costs budgets show demo BUDGET_ID")
def show_cmd(org_slug: str, budget_id: str) -> None:
    """One budget as JSON."""
    _console().print_json(json.dumps(call("GET", f"/{org_slug}/budgets/{budget_id}")))


@budgets_app.command("status", epilog="Example: genai-costs budgets status demo BUDGET_ID")
def status_cmd(org_slug: str, budget_id: str) -> None:
    """within / warning / exceeded, from the latest evaluation (what a gateway reads)."""
    _console().print_json(json.dumps(call("GET", f"/{org_slug}/budgets/{budget_id}/status")))


@budgets_app.command("pause", epilog="Example: genai-costs budgets pause demo BUDGET_ID")
def pause_cmd(org_slug: str, budget_id: str) -> None:
    """Stop evaluating a budget (no alerts) until it is resumed."""
    print_budgets([call("POST", f"/{org_slug}/budgets/{budget_id}/pause")])


@budgets_app.command("resume", epilog="Example: genai-costs budgets resume demo BUDGET_ID")
def resume_cmd(org_slug: str, budget_id: str) -> None:
    print_budgets([call("POST", f"/{org_slug}/budgets/{budget_id}/resume")])


@budgets_app.command("delete", epilog="Example: genai-costs budgets delete demo BUDGET_ID")
def delete_cmd(org_slug: str, budget_id: str) -> None:
    """Delete a budget (its history and alerts stay)."""
    call("DELETE", f"/{org_slug}/budgets/{budget_id}")
    _console().print(f"deleted {budget_id}")


def print_alerts(alerts: list[dict[str, Any]], title: str = "Alerts") -> None:
    table = Table("raised", "kind", "about", "threshold", "spend", "amount", "forecast", "delivered", title=title)
    for a in alerts:
        about = a["budget_name"] or a["subject"] or "-"
        threshold = f"{a['threshold_percent']}% {a['basis']}" if a["threshold_percent"] else "-"
        if a["repeat_index"]:
            threshold += f" (reminder {a['repeat_index']})"
        if a["superseded_by"]:
            delivered = "superseded by a higher threshold"
        elif not a["channel_count"]:
            delivered = "recorded (no channel)"
        else:
            delivered = f"sent {a['sent']}/{a['channel_count']}" + (f" via {a['sent_via']}" if a["sent_via"] else "")
            delivered += f", {a['pending']} pending" if a["pending"] else ""
            delivered += f", {a['failed']} failed" if a["failed"] else ""
        table.add_row(
            a["created_at"][:16].replace("T", " "), a["kind"], about, threshold, _money(a["spend_usd"]),
            _money(a["amount_usd"]), _money(a["forecast_usd"]), delivered,
        )  # fmt: skip
    _console().print(table)


def _money(value: str | None) -> str:
    return "-" if value is None else f"${Decimal(value):,.2f}"


@budgets_app.command("alerts", epilog="Example: genai-costs budgets alerts demo")
def alerts_cmd(org_slug: str, hours: int = typer.Option(24, min=1, max=9600)) -> None:
    """Alerts raised in the last hours and how their delivery went."""
    print_alerts(call("GET", f"/{org_slug}/alerts", query={"hours": str(hours)})["alerts"])


@budgets_app.command("evaluate", epilog="Example: genai-costs budgets evaluate demo")
def evaluate_cmd(org_slug: str) -> None:
    """Evaluate the organization's budgets now, as the scheduled function does: statuses, alerts,
    delivery of what is due, metrics."""
    settings = get_settings()
    try:
        with open_warehouse(settings) as warehouse, new_http_client() as http:
            evaluation = evaluate_budgets(
                EvaluateBudgetsMessage(org_slug=org_slug),
                warehouse=warehouse,
                dispatcher=open_dispatcher(settings, http),
                metrics=open_metrics(settings, org_slug),
                ops_targets=ops_targets(settings),
            )
    except (GenAICostsError, ValueError) as exc:
        _console().print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    print_statuses([s.row() for s in evaluation.statuses], at=evaluation.evaluated_at)


def print_statuses(rows: list[dict[str, Any]], *, at: dt.datetime | None = None) -> None:
    title = "Budget status" + (f" at {at:%Y-%m-%d %H:%M} UTC" if at else "")
    table = Table("budget", "period", "spend", "budget", "used", "forecast (band)", "status", "source", title=title)
    for r in rows:
        forecast = "-"
        if r["forecast_usd"] is not None:
            forecast = f"${r['forecast_usd']:,.2f} (${r['forecast_low_usd']:,.2f}..${r['forecast_high_usd']:,.2f})"
        days = r["estimated_days"]
        source = r["spend_source"].replace("_", " ")
        if days:
            source += f"; estimated {days[0]}..{days[-1]}" if len(days) > 1 else f"; estimated {days[0]}"
        table.add_row(
            r["budget_name"], f"{r['period_start']}..{r['period_end']}", f"${r['spend_usd']:,.2f}",
            f"${r['amount_usd']:,.2f}", f"{r['utilization_percent']}%", forecast, r["status"], source,
        )  # fmt: skip
    _console().print(table)
