"""A budget's status at one evaluation, from the evaluation query's aggregates, in exact decimals.

spend      billed (whole UTC days in the period, plus the share of the UTC day that straddles a
           period start in another time zone) + estimated (usage events by instant)
forecast   see :mod:`.forecast`
crossed    each threshold on its basis: actual when spend x 100 >= amount x percent, forecast
           when the expected forecast x 100 >= amount x percent (no division, so a spend of
           exactly the threshold amount crosses it)
status     exceeded (spend >= amount), warning (any threshold crossed), else within
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from .forecast import DAY_SECONDS, NANO, SpendForecast, forecast_spend
from .model import Basis, Budget, Threshold
from .periods import Period

EVENTS_ONLY_NOTE = "fed by usage events only: provider bills carry no tenant, user, service, workflow or tag"


class Level(StrEnum):
    WITHIN = "within"
    WARNING = "warning"
    EXCEEDED = "exceeded"


class SpendSource(StrEnum):
    BILLED_AND_ESTIMATED = "billed_and_estimated"
    EVENTS_ONLY = "events_only"


def percent_of(part: Decimal, whole: Decimal) -> Decimal:
    """Rounded down: 99.996 % of a budget never reads as 100 %."""
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def crosses(value: Decimal, amount: Decimal, threshold: Threshold) -> bool:
    return value * 100 >= amount * threshold.percent


@dataclass(frozen=True)
class BudgetStatus:
    evaluation_id: str
    evaluated_at: dt.datetime
    budget: Budget
    period: Period
    billed_usd: Decimal
    estimated_usd: Decimal
    source: SpendSource
    billed_through: dt.date | None
    estimated_days: list[dt.date]
    unpriced_events: int
    unpriced_cost_rows: int
    forecast: SpendForecast | None
    crossed: list[Threshold] = field(default_factory=list)

    @property
    def spend_usd(self) -> Decimal:
        return self.billed_usd + self.estimated_usd

    @property
    def utilization_percent(self) -> Decimal:
        return percent_of(self.spend_usd, self.budget.amount_usd)

    @property
    def forecast_utilization_percent(self) -> Decimal | None:
        return percent_of(self.forecast.expected, self.budget.amount_usd) if self.forecast else None

    @property
    def level(self) -> Level:
        if self.spend_usd >= self.budget.amount_usd:
            return Level.EXCEEDED
        return Level.WARNING if self.crossed else Level.WITHIN

    def row(self) -> dict[str, Any]:
        """The genai_budget_status row."""
        b, p, f = self.budget, self.period, self.forecast
        return {
            "evaluation_id": self.evaluation_id,
            "evaluation_date": self.evaluated_at.date(),
            "evaluated_at": self.evaluated_at,
            "org_slug": b.org_slug,
            "budget_id": b.budget_id,
            "budget_version": b.version,
            "budget_name": b.name,
            "amount_usd": b.amount_usd,
            "period_kind": b.period.kind.value,
            "time_zone": p.time_zone,
            "period_start": p.start,
            "period_end": p.end,
            "period_start_at": p.start_at,
            "period_end_at": p.end_at,
            "spend_usd": self.spend_usd,
            "billed_usd": self.billed_usd,
            "estimated_usd": self.estimated_usd,
            "spend_source": self.source.value,
            "billed_through": self.billed_through,
            "estimated_days": self.estimated_days,
            "unpriced_events": self.unpriced_events,
            "unpriced_cost_rows": self.unpriced_cost_rows,
            "utilization_percent": self.utilization_percent,
            "forecast_usd": f.expected if f else None,
            "forecast_low_usd": f.low if f else None,
            "forecast_high_usd": f.high if f else None,
            "forecast_utilization_percent": self.forecast_utilization_percent,
            "forecast_history_days": f.history_days if f else 0,
            "status": self.level.value,
            "crossed_thresholds": [{"percent": t.percent, "basis": t.basis.value} for t in self.crossed],
        }


def prorated_first_day(first_day_usd: Decimal, start_at: dt.datetime) -> Decimal:
    """The share of a billed UTC day that falls in a period starting at ``start_at`` inside that day."""
    if not first_day_usd:
        return Decimal(0)
    start_at = start_at.astimezone(dt.UTC)
    next_midnight = dt.datetime.combine(start_at.date() + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    inside = Decimal(int((next_midnight - start_at).total_seconds()))
    return (first_day_usd * inside / DAY_SECONDS).quantize(NANO, rounding=ROUND_HALF_UP)


def estimated_days(
    period: Period, today: dt.date, *, source: SpendSource, billed_through: dt.date | None
) -> list[dt.date]:
    """UTC days of the period so far whose spend comes from usage events (within the period's dates)."""
    first = max(period.start_at.date(), period.start)
    if source is SpendSource.BILLED_AND_ESTIMATED and billed_through is not None:
        first = max(first, billed_through + dt.timedelta(days=1))
    last = min(today, period.end - dt.timedelta(days=1))
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def build_status(
    row: Mapping[str, Any],
    budget: Budget,
    period: Period,
    *,
    evaluation_id: str,
    now: dt.datetime,
    history_start: dt.date,
) -> BudgetStatus:
    """One budget's status from its row of ``budget_evaluate.sql``."""
    today = now.astimezone(dt.UTC).date()
    source = SpendSource.EVENTS_ONLY if row["events_only"] else SpendSource.BILLED_AND_ESTIMATED
    billed = Decimal(row["billed_whole_days_usd"]) + prorated_first_day(
        Decimal(row["billed_first_day_usd"]), period.start_at
    )
    estimated = Decimal(row["estimated_usd"])
    daily = {d["day"]: Decimal(d["usd"]) for d in row["history"] or []}
    first_history_day = max(history_start, row["data_start"])
    history_days = [first_history_day + dt.timedelta(days=i) for i in range((today - first_history_day).days)]
    forecast = forecast_spend(
        spend_to_date=billed + estimated, daily_spend=daily, history_days=history_days, now=now, end_at=period.end_at
    )
    spend = billed + estimated
    crossed = [
        t
        for t in budget.thresholds
        if (t.basis is Basis.ACTUAL and crosses(spend, budget.amount_usd, t))
        or (t.basis is Basis.FORECAST and forecast is not None and crosses(forecast.expected, budget.amount_usd, t))
    ]
    return BudgetStatus(
        evaluation_id=evaluation_id,
        evaluated_at=now,
        budget=budget,
        period=period,
        billed_usd=billed,
        estimated_usd=estimated,
        source=source,
        billed_through=row["billed_through"] if source is SpendSource.BILLED_AND_ESTIMATED else None,
        estimated_days=estimated_days(period, today, source=source, billed_through=row["billed_through"]),
        unpriced_events=int(row["unpriced_events"]),
        unpriced_cost_rows=int(row["unpriced_cost_rows"]),
        forecast=forecast,
        crossed=crossed,
    )
