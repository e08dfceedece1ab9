"""The cost report (the user's cost-tracking guide, ``GET /api/v2/costs``): total requests and cost,
average daily cost, daily breakdown and projected monthly cost of the organization's usage events over a
period, filtered by workflow, tenant, user, service, provider or model, optionally grouped by one of them.
One implementation for the HTTP route (functions/costs) and ``genai-costs costs``.

Money comes from genai_usage_event_costs: each event priced by the same engine as the bill (sp_genai_4a).
Unpriced events (no price for a token category) are counted and reported apart, with their tokens; they
never add $0 to a total, and ``cost_complete`` is false while any is in the period.

How the derived figures are computed (exact decimals, rounded to 9 decimals half away from zero):
    days_elapsed            calendar days of the period up to today (days without calls count as zero)
    average_daily_cost      total_cost_usd / days_elapsed
    projected_monthly_cost  total_cost_usd / days_elapsed x 30   (a 30-day month at the period's daily
                            average: the guide's own example, 0.42 a day -> 12.60 a month)
Both are null when the period starts after today; all three when every call of the period is unpriced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ..orgs import dataset_for
from ..paths import sql_root
from ..warehouse.base import Param, Warehouse
from ..warehouse.sqlfiles import load_statement
from .money import Money, nano
from .query import FILTERS, CostQuery

DAYS_PER_MONTH = 30


class CostFigures(BaseModel):
    requests: int
    priced_requests: int
    committed_requests: int  # served by provisioned capacity: $0 per call, the commitment carries the money
    unpriced_requests: int  # no price for a token category: not in cost_usd
    unpriced_tokens: int
    input_tokens: int
    output_tokens: int
    cost_usd: Money | None  # priced and committed events; null when every event in it is unpriced


class DayCost(CostFigures):
    date: dt.date


class GroupCost(CostFigures):
    value: str | None  # null: events without this attribute


class CostReport(BaseModel):
    org_slug: str
    start_date: dt.date
    end_date: dt.date
    period_days: int
    days_elapsed: int
    filters: dict[str, str]
    group_by: str | None
    total_requests: int
    priced_requests: int
    committed_requests: int
    unpriced_requests: int
    unpriced_tokens: int
    total_cost_usd: Money | None  # null when every call of the period is unpriced (never $0)
    cost_complete: bool  # false while unpriced events are left out of total_cost_usd
    average_daily_cost: Money | None
    # every elapsed day of the period, YYYY-MM-DD -> cost (0 without calls; null when all its calls are unpriced)
    daily_breakdown: dict[str, Money | None]
    projected_monthly_cost: Money | None
    projection: str  # how projected_monthly_cost was computed, in words
    days: list[DayCost]  # days with calls, with their counts
    groups: list[GroupCost] | None = None


def _params(query: CostQuery, start: dt.date, end: dt.date) -> dict[str, Any]:
    params: dict[str, Any] = {"p_start_date": start, "p_end_date": end + dt.timedelta(days=1)}
    params |= {f"p_{name}": Param("STRING", getattr(query, name)) for name in FILTERS}
    return params


def cost_report(warehouse: Warehouse, org_slug: str, query: CostQuery, *, today: dt.date) -> CostReport:
    start, end = query.period(today)
    dataset = dataset_for(org_slug)
    params = _params(query, start, end)
    by_group = _sql("costs_by_group")
    daily = warehouse.query(dataset, by_group, params | {"p_group_by": "day"})
    days = sorted((DayCost(date=dt.date.fromisoformat(r.pop("group_value")), **r) for r in daily), key=lambda d: d.date)
    groups = None
    if query.group_by:
        rows = warehouse.query(dataset, by_group, params | {"p_group_by": query.group_by})
        groups = [GroupCost(value=r.pop("group_value"), **r) for r in rows]
    last = min(end, today)
    elapsed = max(0, (last - start).days + 1)
    known = [d.cost_usd for d in days if d.cost_usd is not None]
    # Calls, all unpriced: the cost is unknown, not $0 (no total, average or projection).
    total: Decimal | None = sum(known, Decimal(0)) if known or not days else None
    by_day: dict[dt.date, Decimal | None] = {d.date: d.cost_usd for d in days}
    unpriced = sum(d.unpriced_requests for d in days)
    return CostReport(
        org_slug=org_slug,
        start_date=start,
        end_date=end,
        period_days=(end - start).days + 1,
        days_elapsed=elapsed,
        filters=query.filters(),
        group_by=query.group_by,
        total_requests=sum(d.requests for d in days),
        priced_requests=sum(d.priced_requests for d in days),
        committed_requests=sum(d.committed_requests for d in days),
        unpriced_requests=unpriced,
        unpriced_tokens=sum(d.unpriced_tokens for d in days),
        total_cost_usd=None if total is None else nano(total),
        cost_complete=unpriced == 0,
        average_daily_cost=nano(total / elapsed) if elapsed and total is not None else None,
        daily_breakdown={
            day.isoformat(): by_day.get(day, Decimal(0))
            for day in (start + dt.timedelta(days=i) for i in range(elapsed))
        },
        projected_monthly_cost=nano(total * DAYS_PER_MONTH / elapsed) if elapsed and total is not None else None,
        projection=(
            "none: the period starts after today"
            if not elapsed
            else "none: every call is unpriced"
            if total is None
            else f"total_cost_usd / {elapsed} elapsed day(s) x {DAYS_PER_MONTH}"
        ),
        days=days,
        groups=groups,
    )


def _sql(name: str) -> Any:
    return load_statement(sql_root(), name)
