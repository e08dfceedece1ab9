"""Consolidation: sp_genai_0 / 0b (per-request usage events, raw -> deduplicated, and their quarantine) ->
sp_genai_1 (usage) -> sp_genai_2 (costs, genai_costs_daily_unified) -> sp_genai_3
(FOCUS 1.3 cost and usage) -> sp_genai_3b (FOCUS 1.3 contract commitments) -> sp_genai_4a / 4b (events
priced, the bill attributed) -> sp_genai_4c (Bedrock invocation log records priced), then the conformance
checks, all in ONE transaction: the procedures and the checks commit together or not at all, so a
failure anywhere (a procedure, a check, a crash) leaves every output table as it was. A failing
check fails the run loudly (ConformanceError, not retried).

BigQuery runs it as one multi-statement query (``BEGIN TRANSACTION; CALL ...; <checks>; COMMIT
TRANSACTION;``): transactions do not nest there, so the procedures hold no transaction control of
their own, and the checks are one assertion whose ``ERROR()`` ends the query before COMMIT.

The events steps run first so that every later step reads a clean, deduplicated genai_usage_events.
Their window (``p_events_start_date``) is the run's window widened back to the oldest event day among
the events published in it: a late event is counted in its own day, however late it arrived (at most
31 days: record_usage rejects older events).

Closed billing periods (:mod:`.periods`) are never rewritten: the run covers only the open days of its
window (each run of open days in its own transaction, in order; usually one), and its events window
stops at the end of the closed month before it. A window wholly closed writes nothing."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from .conformance import CheckResult, check_files, conformance_assertion
from .errors import ConformanceError, WarehouseError
from .model.messages import ConsolidateMessage
from .model.window import Window
from .paths import sql_root
from .periods import closed_months, next_month, open_runs, read_periods
from .runs.lifecycle import ledgered_run
from .settings import DEFAULT_FUNCTION_TIMEOUT_SECONDS, DEFAULT_TRAILING_DAYS
from .warehouse.base import Call, Step, Warehouse
from .warehouse.sqlfiles import load_procedures, load_statement

log = logging.getLogger(__name__)
CHECKS_FAILED = "conformance checks failed:"  # how sql/statements/conformance_assert.sql begins its error
EVENTS_PROCEDURES = ("sp_genai_0_consolidate_usage_events", "sp_genai_0b_quarantine_usage_events")
PROCEDURES = (
    "sp_genai_1_consolidate_usage_daily",
    "sp_genai_2_consolidate_costs_daily",
    "sp_genai_3_convert_to_focus",
    "sp_genai_3b_convert_commitments_to_focus",
)
# After the bill: each event priced by the same engine, then the bill attributed to the events' consumers, then
# that attribution written into FOCUS as split cost allocation charges replacing the charges they split.
ATTRIBUTION_PROCEDURES = (
    "sp_genai_4a_price_usage_events",
    "sp_genai_4b_allocate_costs",
    "sp_genai_4c_split_focus_allocations",
)
# Bedrock's model invocation log records priced by the same engine, for the per-request reconciliation.
RECONCILIATION_PROCEDURES = ("sp_genai_4d_price_invocations",)


@dataclass
class ConsolidationResult:
    org_slug: str
    window: Window
    events_window: Window | None = None  # the event days sp_genai_0 rewrote (window + late days)
    procedures: list[str] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)


def consolidate(
    message: ConsolidateMessage,
    *,
    warehouse: Warehouse,
    today: dt.date | None = None,
    trailing_days: int = DEFAULT_TRAILING_DAYS,
    trigger_id: str | None = None,
    run_timeout_seconds: int = DEFAULT_FUNCTION_TIMEOUT_SECONDS,
) -> ConsolidationResult:
    window = message.window(today or dt.datetime.now(dt.UTC).date(), trailing_days)
    procedures = load_procedures(sql_root())
    params = {"p_org_slug": message.org_slug, "p_start_date": window.start, "p_end_date": window.end}
    result = ConsolidationResult(message.org_slug, window)
    with ledgered_run(
        warehouse,
        org_slug=message.org_slug,
        provider="all",
        flow="consolidate",
        window=window,
        trigger_id=trigger_id,
        unexpected=WarehouseError,
        timeout=dt.timedelta(seconds=run_timeout_seconds),
    ) as run:
        closed = closed_months(read_periods(warehouse, run.dataset))
        chain = (*EVENTS_PROCEDURES, *PROCEDURES, *ATTRIBUTION_PROCEDURES, *RECONCILIATION_PROCEDURES)
        steps: list[Step] = [Call(procedures[name]) for name in chain]
        steps.append(load_statement(sql_root(), "cost_corrections_delete_window").parsed())
        runs = open_runs(window.start, window.end, closed)
        if not runs:
            log.info("consolidation of %s %s..%s skipped: closed period", message.org_slug, window.start, window.end)
        for start, end in runs:
            sub = Window(start=start, end=end)
            events = usage_events_window(warehouse, run.dataset, sub)
            after_closed = max((m for m in closed if m < start), default=None)
            if after_closed is not None:  # late events of a closed month stay where the month left them
                events = Window(start=max(events.start, next_month(after_closed)), end=sub.end)
            result.events_window = events
            sub_params = {
                **params,
                "p_start_date": sub.start,
                "p_end_date": sub.end,
                "p_events_start_date": events.start,
            }
            run.before_write()
            try:
                warehouse.run_transaction(run.dataset, [*steps, conformance_assertion()], sub_params)
            except WarehouseError as exc:
                if CHECKS_FAILED not in str(exc):
                    raise
                detail = str(exc)[str(exc).index(CHECKS_FAILED) + len(CHECKS_FAILED) :].strip()
                raise ConformanceError(
                    f"conformance checks failed for {message.org_slug} {sub.start}..{sub.end}, nothing was "
                    f"written: {detail}"
                ) from exc
            result.procedures = list(chain)
        result.checks = [CheckResult(path.stem, 0, None) for path in check_files()]
        log.info("consolidated %s %s..%s: %s", message.org_slug, window.start, window.end, ", ".join(result.procedures))
    return result


def usage_events_window(warehouse: Warehouse, dataset: str, window: Window) -> Window:
    """``window`` widened back to the oldest day of the usage events published in it."""
    statement = load_statement(sql_root(), "usage_events_earliest_late_day")
    rows = warehouse.query(dataset, statement, {"p_start_date": window.start, "p_end_date": window.end})
    earliest = rows[0]["earliest_event_date"] if rows else None
    if earliest is None or earliest >= window.start:
        return window
    return Window(start=earliest, end=window.end)
