"""The budget status a gateway asks before a call: within, warning or exceeded, read from the latest
status row (one small, partition- and cluster-pruned read; never a recomputation). Budgets alert and
never block: enforcing on ``exceeded`` is the gateway's choice.

    within     no threshold crossed
    warning    a threshold crossed on its basis (actual or forecast), spend below the amount
    exceeded   spend to date at or above the amount
    paused     the budget is paused: not evaluated
    unknown    no evaluation in the last two days (new budget, or the evaluator is not running)

``stale`` says the latest evaluation is older than three evaluation intervals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from ..paths import sql_root
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from .store import BudgetNotFoundError

LOOKBACK = dt.timedelta(days=2)
DEFAULT_INTERVAL = dt.timedelta(minutes=5)
PERCENT = Decimal("0.01")


class GatewayStatus(BaseModel):
    budget_id: str
    status: Literal["within", "warning", "exceeded", "paused", "unknown"]
    version: int
    evaluated_version: int | None = None
    evaluated_at: dt.datetime | None = None
    stale: bool = False
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    amount_usd: Decimal | None = None
    spend_usd: Decimal | None = None
    utilization_percent: Decimal | None = None
    forecast_usd: Decimal | None = None
    forecast_utilization_percent: Decimal | None = None
    spend_source: str | None = None
    estimated_days: list[dt.date] = []


def status_of(
    warehouse: Warehouse,
    dataset: str,
    budget_id: str,
    *,
    now: dt.datetime,
    interval: dt.timedelta = DEFAULT_INTERVAL,
) -> GatewayStatus:
    rows = warehouse.query(
        dataset,
        load_statement(sql_root(), "budget_status_latest"),
        {"p_budget_id": budget_id, "p_since": (now - LOOKBACK).date()},
    )
    if not rows:
        raise BudgetNotFoundError(f"budget {budget_id[:80]} not found")
    r = rows[0]
    base = {"budget_id": r["budget_id"], "version": r["version"]}
    if not r["enabled"]:
        return GatewayStatus(**base, status="paused")
    if r["evaluated_at"] is None:
        return GatewayStatus(**base, status="unknown")
    fields = set(GatewayStatus.model_fields) - set(base)
    values = {k: v for k, v in r.items() if k in fields and k != "stale"}
    for name in ("utilization_percent", "forecast_utilization_percent"):
        if values.get(name) is not None:
            values[name] = values[name].quantize(PERCENT)
    return GatewayStatus(**base, **values, stale=now - r["evaluated_at"] > 3 * interval)
