"""``genai-costs reconcile``: the applications' usage events against the providers' own data, per grain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from genai_costs.model.window import Window
from genai_costs.orgs import dataset_for
from genai_costs.paths import sql_root
from genai_costs.reconciliation.estimate import Estimate
from genai_costs.warehouse.base import Warehouse
from genai_costs.warehouse.sqlfiles import read_single_statement

Row = dict[str, Any]
# The view's recommendation types, in the order the totals are printed.
RECOMMENDATION_TYPES = (
    "cheaper_model_same_class",
    "same_model_other_provider",
    "batch_eligible",
    "cache_opportunity",
    "commitment_right_sizing",
)


@dataclass
class Reconciliation:
    window: Window
    summary: list[Row] = field(default_factory=list)
    discrepancies: list[Row] = field(default_factory=list)


def load_reconciliation(warehouse: Warehouse, org_slug: str, window: Window) -> Reconciliation:
    params = {"p_start_date": window.start, "p_end_date": window.end}
    out = Reconciliation(window)
    for name, target in (("reconciliation_summary", out.summary), ("reconciliation_discrepancies", out.discrepancies)):
        statement = read_single_statement(sql_root() / "reports" / f"{name}.sql")
        target.extend(warehouse.query(dataset_for(org_slug), statement, params))
    return out


def _usd(value: Decimal | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}%"


def _shares(row: Row) -> Callable[[str], str]:
    """'count (share of the compared units %)' for one status column of a summary row."""
    compared = row["compared"] or 1
    return lambda status: f"{row[status]:,} ({Decimal(100) * row[status] / compared:.1f}%)"


def print_reconciliation(console: Console, rec: Reconciliation) -> None:
    last = rec.window.end - dt.timedelta(days=1)
    t = Table(
        "provider",
        "grain",
        "compared",
        "matched",
        "discrepancy",
        "not found",
        "pending",
        "match rate",
        "capture $",
        "capture tokens",
        "estimated",
        "actual",
        "difference",
        "diff %",
        title=f"Reconciliation of usage events with provider data, {rec.window.start} .. {last}",
    )
    for r in rec.summary:
        share = _shares(r)
        t.add_row(
            r["provider"],
            r["grain"],
            f"{r['compared']:,}",
            share("matched"),
            share("discrepancy"),
            share("not_found"),
            share("pending"),
            _pct(r["match_rate_pct"]),
            _pct(r["capture_rate_pct"]),
            _pct(r["capture_tokens_pct"]),
            _usd(r["estimated_usd"]),
            _usd(r["actual_usd"]),
            _usd(r["difference_usd"]),
            _pct(r["difference_pct"]),
        )
    console.print(t)
    if rec.discrepancies:
        t = Table("provider", "grain", "when", "key / project", "model", "estimated", "actual", "difference", "cause")
        t.title = "Largest discrepancies by dollars"
        for r in rec.discrepancies:
            t.add_row(
                r["provider"],
                r["grain"],
                str(r["bucket_start"])[:16],
                r["api_key_id"] or r["project_id"] or "-",
                r["model"] or "-",
                _usd(r["estimated_usd"]),
                _usd(r["actual_usd"]),
                _usd(r["difference_usd"]),
                r["cause"] or "-",
            )
        console.print(t)


def print_estimate(console: Console, est: Estimate) -> None:
    t = Table(
        "provider",
        "model",
        "basis",
        "samples",
        "success",
        "input p50 / p90",
        "output p50 / p90",
        "cost p50",
        "cost p90",
        title=f"Cost estimate per call for task {est.task!r} from {est.window_start} .. {est.window_end} "
        f"(history needs {est.min_samples} samples)",
    )
    for m in est.models:
        t.add_row(
            m.provider,
            m.model,
            m.basis,
            f"{m.samples:,}",
            _pct(None if m.success_rate is None else (m.success_rate * 100).quantize(Decimal("0.1"))),
            f"{m.p50_input_tokens:,.0f} / {m.p90_input_tokens:,.0f}",
            f"{m.p50_output_tokens:,.0f} / {m.p90_output_tokens:,.0f}",
            _cost(m.p50_cost_usd),
            _cost(m.p90_cost_usd),
        )
    console.print(t)
    choice = est.recommended_model or "none (no model has enough history meeting the quality signal)"
    console.print(
        f"Recommended model: [bold]{choice}[/bold] "
        f"(cheapest p50 with success rate >= {est.min_success_rate * 100:.0f}%)"
    )


def _cost(value: Decimal | None) -> str:
    return "-" if value is None else f"${value:.6f}"


def load_recommendations(warehouse: Warehouse, org_slug: str) -> list[Row]:
    statement = read_single_statement(sql_root() / "reports" / "savings_recommendations.sql")
    return warehouse.query(dataset_for(org_slug), statement)


def print_recommendations(console: Console, rows: list[Row]) -> None:
    t = Table("type", "provider", "subject", "recommendation", "evidence", "per month", title="Savings recommendations")
    by_type: dict[str, Decimal] = {}
    for r in rows:
        t.add_row(
            r["recommendation_type"],
            r["provider"],
            r["subject"],
            r["recommendation"],
            f"{r['evidence_start']} .. {r['evidence_end']}: {r['evidence']}",
            _usd(r["savings_usd_per_month"]),
        )
        kind = r["recommendation_type"]
        by_type[kind] = by_type.get(kind, Decimal(0)) + r["savings_usd_per_month"]
    console.print(t)
    total = sum(by_type.values(), Decimal(0))
    parts = ", ".join(f"{kind} {_usd(by_type.get(kind, Decimal(0)))}" for kind in RECOMMENDATION_TYPES)
    console.print(f"Total recommended savings: [bold]{_usd(total)}[/bold] per month ({parts})")


def load_calibration(warehouse: Warehouse, org_slug: str) -> Row:
    statement = read_single_statement(sql_root() / "reports" / "estimate_calibration.sql")
    rows: list[Row] = warehouse.query(dataset_for(org_slug), statement)
    return rows[0]


def print_calibration(console: Console, c: Row) -> None:
    if not c["actual_calls"]:
        console.print(
            f"Estimate calibration: {c['estimates']} history-based estimate(s) recorded, no priced call has "
            "followed one yet"
        )
        return
    console.print(
        f"Estimate calibration: [bold]{c['at_or_below_p90_pct']} %[/bold] of the {c['actual_calls']:,} calls that "
        f"followed {c['estimates_with_actuals']} estimate(s) cost at most their p90 ({c['at_or_below_p50_pct']} % at "
        f"most their p50; {c['unpriced_calls']:,} unpriced calls not compared)"
    )
