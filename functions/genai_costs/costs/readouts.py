"""The reconciliation summary and the savings recommendations as JSON rows: the report queries the CLI and
the HTML report show (sql/reports/reconciliation_*.sql, savings_recommendations.sql), read as they are."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..orgs import dataset_for
from ..paths import sql_root
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import read_single_statement

Row = dict[str, Any]


def json_value(value: Any) -> Any:
    """Exact decimals as plain decimal strings, dates and times in ISO 8601; everything else as is."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _rows(warehouse: Warehouse, org_slug: str, report: str, params: dict[str, Any] | None = None) -> list[Row]:
    statement = read_single_statement(sql_root() / "reports" / f"{report}.sql")
    rows = warehouse.query(dataset_for(org_slug), statement, params)
    return [{k: json_value(v) for k, v in r.items()} for r in rows]


def reconciliation(warehouse: Warehouse, org_slug: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Per provider and grain: counts and shares per status, totals, difference; the ten largest
    discrepancies by dollars with their cause. ``start`` and ``end`` both included."""
    params = {"p_start_date": start, "p_end_date": end + dt.timedelta(days=1)}
    return {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "summary": _rows(warehouse, org_slug, "reconciliation_summary", params),
        "largest_discrepancies": _rows(warehouse, org_slug, "reconciliation_discrepancies", params),
    }


def recommendations(warehouse: Warehouse, org_slug: str) -> dict[str, Any]:
    """Every savings recommendation (genai_savings_recommendations), largest first, and their total."""
    rows = _rows(warehouse, org_slug, "savings_recommendations")
    total = sum((Decimal(r["savings_usd_per_month"]) for r in rows if r.get("savings_usd_per_month")), Decimal(0))
    return {"recommendations": rows, "total_savings_usd_per_month": format(total, "f")}
