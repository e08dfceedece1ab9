"""Corrections, not silent rewrites: what a price change does to costs already computed.

A change to a price row whose validity covers past days (the pricing API's correction, new version or
disable; an accepted sync proposal; a new row valid from the past) changes the cost of usage on those
days. :func:`affected_days` finds them: days of usage of the row's provider, within the validity of the
row before and after the change, that the row priced or whose model it can price. Then, per run of days:

- open months: consolidation for exactly those days (the usual idempotent window replacement);
- closed months (:mod:`genai_costs.periods`): ``sp_genai_5_correct_closed_periods`` keeps the rows and
  adds, per origin row whose cost changed, one ``genai_cost_corrections`` row and one FOCUS row with
  ``ChargeClass = 'Correction'`` for the difference, billed in the current open month; then the FOCUS
  conformance checks, in the same transaction.

Re-running changes nothing: consolidation is idempotent and a correction is the difference between the
cost at today's prices and the cost as stated so far (origin plus earlier corrections).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..conformance import conformance_assertion
from ..consolidation import CHECKS_FAILED, consolidate
from ..errors import ConformanceError, WarehouseError
from ..model.messages import ConsolidateMessage
from ..model.window import Window
from ..orgs import dataset_for
from ..paths import sql_root
from ..periods import billing_period_for_corrections, closed_months, closed_runs, open_runs, read_periods
from ..runs.lifecycle import ledgered_run
from ..warehouse.base import Call, Param, Warehouse
from ..warehouse.sqlfiles import load_procedures, load_statement

log = logging.getLogger(__name__)
CORRECTION_PROCEDURE = "sp_genai_5_correct_closed_periods"
PriceRow = Mapping[str, Any]


@dataclass
class RepriceResult:
    org_slug: str
    days: Window | None  # first to last affected day (None: no usage is affected)
    repriced: list[Window] = field(default_factory=list)  # open runs, consolidated again
    corrected: list[Window] = field(default_factory=list)  # closed runs, corrected
    billing_period_start: dt.date | None = None  # the open month corrections are billed in
    corrections_written: int = 0


def affected_days(warehouse: Warehouse, org_slug: str, rows: Iterable[PriceRow], today: dt.date) -> Window | None:
    """First to last day of usage (up to today) the given price rows, before and after a change, price."""
    dataset = dataset_for(org_slug)
    statement = load_statement(sql_root(), "correction_affected_days")
    first: dt.date | None = None
    last: dt.date | None = None
    with warehouse.held():  # one short read per row (a sync changes hundreds): one open of the embedded file
        for row in rows:
            start = row["effective_date"]
            last = min(row["end_date"], today) if row["end_date"] else today
            end = last + dt.timedelta(days=1)
            if end <= start:
                continue
            found = warehouse.query(
                dataset,
                statement,
                {
                    "p_org_slug": org_slug,
                    "p_provider": row["provider"],
                    "p_model_id": Param("STRING", row.get("model_id")),
                    "p_pricing_id": row["pricing_id"],
                    "p_start_date": start,
                    "p_end_date": end,
                },
            )
            if not found or found[0]["first_day"] is None:
                continue
            first = min(first or found[0]["first_day"], found[0]["first_day"])
            last = max(last or found[0]["last_day"], found[0]["last_day"])
    if first is None or last is None:
        return None
    return Window(start=first, end=last + dt.timedelta(days=1))


def reprice(
    warehouse: Warehouse,
    org_slug: str,
    rows: Iterable[PriceRow],
    *,
    today: dt.date | None = None,
) -> RepriceResult:
    """Re-price open months and correct closed months for the days the changed price rows affect."""
    today = today or dt.datetime.now(dt.UTC).date()
    days = affected_days(warehouse, org_slug, rows, today)
    result = RepriceResult(org_slug, days)
    if days is None:
        return result
    closed = closed_months(read_periods(warehouse, dataset_for(org_slug)))
    for start, end in open_runs(days.start, days.end, closed):
        message = ConsolidateMessage(org_slug=org_slug, start_date=start, end_date=end)
        consolidate(message, warehouse=warehouse, today=today)
        result.repriced.append(Window(start=start, end=end))
    runs = closed_runs(days.start, days.end, closed)
    if runs:
        result.billing_period_start = billing_period_for_corrections(today, closed)
    for start, end in runs:
        window = Window(start=start, end=end)
        result.corrections_written += correct_closed(warehouse, org_slug, window, result.billing_period_start)
        result.corrected.append(window)
    return result


def correct_closed(warehouse: Warehouse, org_slug: str, window: Window, billing_period_start: dt.date | None) -> int:
    """Correction rows for the closed days of ``window``, with the FOCUS checks, in one transaction."""
    procedure = load_procedures(sql_root())[CORRECTION_PROCEDURE]
    params = {
        "p_org_slug": org_slug,
        "p_start_date": window.start,
        "p_end_date": window.end,
        "p_billing_period_start": billing_period_start,
    }
    count = load_statement(sql_root(), "cost_corrections_count")
    with ledgered_run(
        warehouse,
        org_slug=org_slug,
        provider="all",
        flow="consolidate",  # the same lease as consolidation: never both on overlapping days
        window=window,
        trigger_id=None,
        unexpected=WarehouseError,
    ) as run:
        before = int(warehouse.query(run.dataset, count, params)[0]["n"])
        run.before_write()
        try:
            warehouse.run_transaction(run.dataset, [Call(procedure), conformance_assertion()], params)
        except WarehouseError as exc:
            if CHECKS_FAILED not in str(exc):
                raise
            detail = str(exc)[str(exc).index(CHECKS_FAILED) + len(CHECKS_FAILED) :].strip()
            raise ConformanceError(
                f"conformance checks failed for corrections of {org_slug} {window.start}..{window.end}, nothing "
                f"was written: {detail}"
            ) from exc
        written = int(warehouse.query(run.dataset, count, params)[0]["n"]) - before
    log.info("corrected %s %s..%s: %d correction row(s)", org_slug, window.start, window.end, written)
    return written


def reprice_change(warehouse: Warehouse, org_slug: str, row: PriceRow, previous: PriceRow | None) -> RepriceResult:
    """:func:`reprice` for one pricing API change: the row as written and, for a correction, version or
    disable, the row before it."""
    return reprice(warehouse, org_slug, [r for r in (previous, row) if r is not None])


def summary(result: RepriceResult) -> dict[str, Any]:
    """A JSON-able account of :func:`reprice` (the pricing API's response carries it)."""
    return {
        "repriced": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in result.repriced],
        "corrected": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in result.corrected],
        "billing_period_start": result.billing_period_start.isoformat() if result.billing_period_start else None,
        "corrections_written": result.corrections_written,
    }
