"""Consolidation: sp_genai_0 (per-request usage events, raw -> deduplicated) -> sp_genai_1 (usage) ->
sp_genai_2 (costs, genai_costs_daily_unified) -> sp_genai_3 (FOCUS 1.3 cost and usage) -> sp_genai_3b
(FOCUS 1.3 contract commitments), then the conformance checks. A failing check fails the run loudly
(ConformanceError, not retried).

The events step runs first so that every later step (pricing and attributing events) reads a clean,
deduplicated genai_usage_events. Its window is the run's window widened back to the oldest event day
among the events published in it: a late event is counted in its own day, however late it arrived
(at most 31 days: record_usage rejects older events)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from .conformance import CheckResult, run_conformance_checks
from .errors import ConformanceError, WarehouseError
from .model.messages import ConsolidateMessage
from .model.window import Window
from .paths import sql_root
from .runs.lifecycle import ledgered_run
from .settings import DEFAULT_TRAILING_DAYS
from .warehouse.base import Warehouse
from .warehouse.sqlfiles import load_procedures, load_statement

log = logging.getLogger(__name__)
EVENTS_PROCEDURE = "sp_genai_0_consolidate_usage_events"
PROCEDURES = (
    "sp_genai_1_consolidate_usage_daily",
    "sp_genai_2_consolidate_costs_daily",
    "sp_genai_3_convert_to_focus",
    "sp_genai_3b_convert_commitments_to_focus",
)


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
    ) as run:
        result.events_window = usage_events_window(warehouse, run.dataset, window)
        events_params = params | {"p_start_date": result.events_window.start}
        warehouse.call_procedure(run.dataset, procedures[EVENTS_PROCEDURE], events_params)
        result.procedures.append(EVENTS_PROCEDURE)
        log.info("%s ran for %s %s..%s", EVENTS_PROCEDURE, message.org_slug, result.events_window.start, window.end)
        for name in PROCEDURES:
            warehouse.call_procedure(run.dataset, procedures[name], params)
            result.procedures.append(name)
            log.info("%s ran for %s %s..%s", name, message.org_slug, window.start, window.end)
        result.checks = run_conformance_checks(warehouse, run.dataset, window)
        failed = [c for c in result.checks if c.violations]
        if failed:
            summary = "; ".join(f"{c.name}: {c.violations} rows (e.g. {c.sample})" for c in failed)
            raise ConformanceError(
                f"conformance checks failed for {message.org_slug} {window.start}..{window.end}: {summary}"
            )
    return result


def usage_events_window(warehouse: Warehouse, dataset: str, window: Window) -> Window:
    """``window`` widened back to the oldest day of the usage events published in it."""
    statement = load_statement(sql_root(), "usage_events_earliest_late_day")
    rows = warehouse.query(dataset, statement, {"p_start_date": window.start, "p_end_date": window.end})
    earliest = rows[0]["earliest_event_date"] if rows else None
    if earliest is None or earliest >= window.start:
        return window
    return Window(start=earliest, end=window.end)
