"""The words of an alert, shared by every renderer so Slack, e-mail and SMS say the same thing.

Money is shown in whole cents (rounded half up) for people; the exact 9-decimal amounts travel in
the webhook and Pub/Sub JSON. Only ASCII punctuation is used, so an SMS stays in the GSM-7
alphabet (160 characters a segment instead of 70) unless a name itself is not ASCII.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from ..model.alert import Alert, AlertKind, AlertPeriod, AlertScope, BudgetFacts, Contributor

CENT = Decimal("0.01")


def usd(amount: Decimal) -> str:
    if amount != 0 and abs(amount) < Decimal("0.005"):
        return "<$0.01" if amount > 0 else "-<$0.01"
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents):,.2f}"


def percent(value: Decimal) -> str:
    """One decimal, rounded down like the utilization itself: 99.99 reads 99.9%, never 100%."""
    text = f"{value.quantize(Decimal('0.1'), rounding=ROUND_DOWN):f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def scope_text(scope: AlertScope) -> str:
    parts = scope.parts()
    return ", ".join(f"{name}={value}" for name, value in parts) if parts else "whole organization"


def period_text(period: AlertPeriod) -> str:
    return f"{period.start.isoformat()} to {period.last_day.isoformat()} ({period.time_zone})"


def days_text(days: list[dt.date]) -> str:
    """Consecutive days collapse into ranges: 2025-10-29..2025-10-31, 2025-10-05."""
    ordered = sorted(set(days))
    runs: list[tuple[dt.date, dt.date]] = []
    for day in ordered:
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return ", ".join(a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}" for a, b in runs)


def contributors_text(items: list[Contributor], limit: int = 5) -> str:
    return ", ".join(f"{c.name} {usd(c.amount)}" for c in items[:limit])


def headline(alert: Alert) -> str:
    if alert.budget is not None:
        facts = alert.budget
        name, amount, threshold = facts.budget.name, usd(facts.budget.amount), percent(facts.threshold_percent)
        if alert.kind is AlertKind.BUDGET_FORECAST and facts.forecast_utilization_percent is not None:
            return (
                f"Budget '{name}' is forecast at {percent(facts.forecast_utilization_percent)} of {amount} "
                f"by {facts.period.last_day.isoformat()} (forecast threshold {threshold})"
            )
        return f"Budget '{name}' is at {percent(facts.utilization_percent)} of {amount} (threshold {threshold})"
    assert alert.operational is not None
    label = {
        AlertKind.UNPRICED_USAGE: "Unpriced usage",
        AlertKind.SOURCE_STALE: "Source stale",
        AlertKind.RUN_FAILED: "Run failed",
    }[alert.kind]
    return f"{label}: {alert.operational.summary}"


def subject(alert: Alert) -> str:
    return f"[genai-costs {alert.org_slug}] {headline(alert)}"


def _forecast_text(facts: BudgetFacts) -> str | None:
    if facts.forecast is None:
        return None
    f = facts.forecast
    share = percent(facts.forecast_utilization_percent or Decimal(0))
    return f"{usd(f.expected)} (band {usd(f.low)} to {usd(f.high)}) = {share}"


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def facts(alert: Alert) -> list[Fact]:
    """Label/value pairs in reading order (at most 10: Slack's limit for section fields)."""
    out: list[Fact] = []
    if alert.budget is not None:
        b = alert.budget
        basis = "forecast" if alert.kind is AlertKind.BUDGET_FORECAST else "actual"
        out += [
            Fact("Spend to date", f"{usd(b.spend_to_date)} = {percent(b.utilization_percent)}"),
            Fact("Budget", usd(b.budget.amount)),
            Fact("Threshold", f"{percent(b.threshold_percent)} on {basis} spend"),
        ]
        forecast = _forecast_text(b)
        if forecast:
            out.append(Fact("Forecast at period end", forecast))
        out += [Fact("Scope", scope_text(b.budget.scope)), Fact("Period", period_text(b.period))]
        out.append(Fact("Budget id", b.budget.budget_id))
    elif alert.operational is not None:
        o = alert.operational
        if o.source:
            out.append(Fact("Source", o.source))
        if o.run_id:
            out.append(Fact("Run", o.run_id))
        if o.last_success_at:
            out.append(Fact("Last success", o.last_success_at.strftime("%Y-%m-%d %H:%M UTC")))
        if o.unpriced_models:
            shown = ", ".join(o.unpriced_models[:10]) + (" ..." if len(o.unpriced_models) > 10 else "")
            out.append(Fact("Unpriced models", shown))
    out.append(Fact("Evaluated", alert.evaluated_at.strftime("%Y-%m-%d %H:%M UTC")))
    return out[:10]


def contributor_groups(alert: Alert) -> list[Fact]:
    if alert.budget is None:
        return []
    return [Fact(label, contributors_text(items)) for label, items in alert.budget.top.groups()]


def estimated_note(alert: Alert) -> str | None:
    if alert.budget is None or not alert.budget.estimated_days:
        return None
    return f"Estimated from usage events (not yet billed): {days_text(alert.budget.estimated_days)}"


def where_to_look(alert: Alert) -> tuple[str | None, str | None]:
    url = str(alert.where_to_look.url) if alert.where_to_look.url else None
    return url, alert.where_to_look.hint


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
