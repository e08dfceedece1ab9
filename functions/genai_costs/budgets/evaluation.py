"""The scheduled budget evaluation (every 5 minutes by default): spend to date, forecast and status
of every enabled budget in ONE set-based query (``budget_evaluate.sql``), a status history row per
budget, then alerts through the ledger, their delivery, and metrics.

    1. read the current budgets; compute each one's current period in its own time zone (zoneinfo)
    2. one query over both ledgers for all budgets, partition-filtered from the earliest period start
       (or the forecast history, if earlier) to today
    3. exact decimal arithmetic per budget (proration, forecast, thresholds) -> genai_budget_status
    4. the alert ledger: exactly one alert per key, delivery rows, claimed deliveries; with the budget
       alerts, the operational ones: unpriced usage (once a month per model) and sources that are late,
       silent or failing (once per episode, genai_source_freshness)
    5. metrics

The whole run is a ledgered run (flow ``budgets`` in genai_ingestion_runs): a failure is recorded
and, where the warehouse still answers, raised as an operational alert.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from ..alerting.delivery import Delivery
from ..alerting.targets import ChannelTarget
from ..errors import GenAICostsError, WarehouseError
from ..freshness import episodes, read_freshness
from ..logs import redact
from ..model.alert import AlertKind
from ..model.window import Window
from ..orgs import dataset_for, validate_org_slug
from ..paths import sql_root
from ..runs.lifecycle import ledgered_run
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs
from .dispatch import Dispatcher
from .ledger import (
    Crossing,
    OperationalAlert,
    create_deliveries,
    raise_operational_alert,
    record_budget_alerts,
    record_operational_alerts,
)
from .metrics import MetricsSink
from .model import Budget
from .periods import Period
from .status import BudgetStatus, build_status
from .store import list_budgets

log = logging.getLogger(__name__)
STATUS_TABLE = "genai_budget_status"
HISTORY_DAYS = 28  # the forecast's weekday profile: the last 4 weeks
RUNS_LOOKBACK_DAYS = 7  # ingestion runs older than the scan window cannot bill a day inside it
UNPRICED_LOOKBACK_DAYS = 7


class EvaluateBudgetsMessage(BaseModel):
    """Pub/Sub body of the evaluation schedule: ``{"org_slug": "acme"}``."""

    model_config = ConfigDict(extra="forbid")

    org_slug: str

    @field_validator("org_slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        try:
            return validate_org_slug(value)
        except Exception as exc:
            raise ValueError(str(exc)) from exc


@dataclass(frozen=True)
class ScanWindow:
    today: dt.date
    scan_start: dt.date
    history_start: dt.date

    @property
    def runs_since(self) -> dt.date:
        return self.scan_start - dt.timedelta(days=RUNS_LOOKBACK_DAYS)

    @property
    def window(self) -> Window:
        return Window(start=self.scan_start, end=self.today + dt.timedelta(days=1))


@dataclass
class Evaluation:
    evaluation_id: str
    evaluated_at: dt.datetime
    runs_since: dt.date
    statuses: list[BudgetStatus] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # budgets changed during the run; evaluated next time
    crossings: list[Crossing] = field(default_factory=list)  # candidates; the ledger kept the absent keys
    operational: list[OperationalAlert] = field(default_factory=list)
    created_deliveries: list[Delivery] = field(default_factory=list)
    attempted: list[Delivery] = field(default_factory=list)


def current_periods(budgets: Sequence[Budget], now: dt.datetime) -> dict[str, Period]:
    """Budget id -> its current period; budgets outside a custom range have none."""
    by_key: dict[str, Period | None] = {}
    out = {}
    for budget in budgets:
        key = budget.period.key
        if key not in by_key:
            by_key[key] = budget.period.current(now)
        period = by_key[key]
        if period is not None:
            out[budget.budget_id] = period
    return out


def periods_param(budgets: Sequence[Budget], periods: dict[str, Period]) -> str:
    distinct = {b.period.key: periods[b.budget_id] for b in budgets if b.budget_id in periods}
    return json.dumps(
        [
            {"period_key": key, "start_at": p.start_at.isoformat(), "end_at": p.end_at.isoformat()}
            for key, p in sorted(distinct.items())
        ]
    )


def scan_window(periods: Sequence[Period], now: dt.datetime, history_days: int = HISTORY_DAYS) -> ScanWindow:
    """Days read: from the earliest period start (the longest active period) or the forecast
    history, whichever is earlier, to today (UTC days)."""
    today = now.astimezone(dt.UTC).date()
    history_start = today - dt.timedelta(days=history_days)
    starts = [p.start_at.astimezone(dt.UTC).date() for p in periods]
    return ScanWindow(today, min([history_start, *starts]), history_start)


def compute_statuses(
    warehouse: Warehouse,
    dataset: str,
    budgets: Sequence[Budget],
    *,
    evaluation_id: str,
    now: dt.datetime,
    history_days: int = HISTORY_DAYS,
) -> Evaluation:
    """Spend, forecast and thresholds of every enabled budget with a current period (one query)."""
    evaluation = Evaluation(evaluation_id, now, runs_since=now.date() - dt.timedelta(days=history_days))
    active = [b for b in budgets if b.enabled]
    periods = current_periods(active, now)
    if not periods:
        return evaluation
    scan = scan_window(list(periods.values()), now, history_days)
    evaluation.runs_since = scan.runs_since
    rows = warehouse.query(
        dataset,
        load_statement(sql_root(), "budget_evaluate"),
        {
            "p_periods": periods_param(active, periods),
            "p_now": now,
            "p_today": scan.today,
            "p_scan_start": scan.scan_start,
            "p_history_start": scan.history_start,
            "p_runs_since": scan.runs_since,
        },
    )
    by_id = {b.budget_id: b for b in active}
    for row in rows:
        budget = by_id.get(row["budget_id"])
        if budget is None or budget.version != row["version"]:
            evaluation.skipped.append(row["budget_id"])  # changed between the two reads
            continue
        evaluation.statuses.append(
            build_status(
                row,
                budget,
                periods[budget.budget_id],
                evaluation_id=evaluation_id,
                now=now,
                history_start=scan.history_start,
            )
        )
    return evaluation


def record_statuses(warehouse: Warehouse, dataset: str, statuses: Sequence[BudgetStatus]) -> int:
    """Append the status history rows (one load job)."""
    spec = load_table_specs(sql_root())[STATUS_TABLE]
    return warehouse.load_rows(dataset, spec, (s.row() for s in statuses))


def alert_unpriced_usage(
    warehouse: Warehouse,
    dataset: str,
    *,
    org_slug: str,
    targets: Sequence[ChannelTarget],
    now: dt.datetime,
    raised_by: str,
    days: int = UNPRICED_LOOKBACK_DAYS,
) -> list[OperationalAlert]:
    """One operational alert per provider and model whose recent usage has no price, at most once
    a month each (the key's occasion is the month)."""
    today = now.date()
    rows = warehouse.query(
        dataset,
        load_statement(sql_root(), "unpriced_usage_recent"),
        {"p_start_date": today - dt.timedelta(days=days), "p_end_date": today + dt.timedelta(days=1)},
    )
    by_model: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        by_model.setdefault((r["provider"], r["model"]), []).append(r)
    alerts = []
    for (provider, model_id), found in sorted(by_model.items()):
        what = ", ".join(f"{r['records']} {r['source']} record(s)" for r in found)
        first = min(r["first_seen"] for r in found)
        alerts.append(
            OperationalAlert(
                kind=AlertKind.UNPRICED_USAGE,
                subject=f"{provider}/{model_id}",
                occasion=today.strftime("%Y-%m"),
                summary=f"{provider} {model_id} has no price since {first}: {what} left out of spend",
                source=provider,
                unpriced_models=[model_id],
            )
        )
    if alerts:
        record_operational_alerts(
            warehouse, dataset, alerts, org_slug=org_slug, targets=targets, now=now, raised_by=raised_by
        )
    return alerts


def alert_stale_sources(
    warehouse: Warehouse,
    dataset: str,
    *,
    org_slug: str,
    targets: Sequence[ChannelTarget],
    now: dt.datetime,
    raised_by: str,
) -> list[OperationalAlert]:
    """One operational alert per source that is late, silent (source_stale) or failing (run_failed),
    once per episode: the ledger key's occasion is the state and the last day known complete, so the
    next evaluations of the same episode add nothing (see :mod:`genai_costs.freshness`). Best effort: a
    failure to read freshness is logged and leaves the budget evaluation to finish."""
    try:
        sources = read_freshness(warehouse, org_slug)
    except WarehouseError as exc:
        log.error("source freshness not evaluated for %s: %s", org_slug, redact(str(exc)))
        return []
    alerts = [
        OperationalAlert(
            kind=e.kind,
            subject=e.source.source_id,
            occasion=e.occasion,
            summary=e.summary,
            source=e.source.source_id,
            last_success_at=e.last_success_at,
        )
        for e in episodes(sources)
    ]
    if alerts:
        record_operational_alerts(
            warehouse, dataset, alerts, org_slug=org_slug, targets=targets, now=now, raised_by=raised_by
        )
    return alerts


def evaluate_budgets(
    message: EvaluateBudgetsMessage,
    *,
    warehouse: Warehouse,
    dispatcher: Dispatcher | None = None,
    metrics: MetricsSink | None = None,
    ops_targets: Sequence[ChannelTarget] = (),
    now: dt.datetime | None = None,
    trigger_id: str | None = None,
    history_days: int = HISTORY_DAYS,
) -> Evaluation:
    """Evaluate every budget of the organization: statuses, alerts through the ledger, delivery of
    what is due (when a dispatcher is given) and metrics (when a sink is given). A failure is
    recorded in the run ledger and raised as a run_failed operational alert, then re-raised."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    today = now.date()
    window = Window(start=today - dt.timedelta(days=history_days), end=today + dt.timedelta(days=1))
    try:
        with ledgered_run(
            warehouse,
            org_slug=message.org_slug,
            provider="all",
            flow="budgets",
            window=window,
            trigger_id=trigger_id,
            unexpected=WarehouseError,
        ) as run:
            evaluation = compute_statuses(
                warehouse,
                run.dataset,
                list_budgets(warehouse, run.dataset),
                evaluation_id=run.run_id,
                now=now,
                history_days=history_days,
            )
            run.count(rows_costs=record_statuses(warehouse, run.dataset, evaluation.statuses))
            if evaluation.skipped:
                log.info("budgets changed during evaluation, evaluated next time: %s", ", ".join(evaluation.skipped))
            evaluation.crossings = record_budget_alerts(
                warehouse,
                run.dataset,
                evaluation.statuses,
                evaluation_id=run.run_id,
                now=now,
                runs_since=evaluation.runs_since,
            )
            evaluation.operational = alert_unpriced_usage(
                warehouse, run.dataset, org_slug=message.org_slug, targets=ops_targets, now=now, raised_by=run.run_id
            ) + alert_stale_sources(
                warehouse, run.dataset, org_slug=message.org_slug, targets=ops_targets, now=now, raised_by=run.run_id
            )
            policy = dispatcher.policy if dispatcher else None
            evaluation.created_deliveries = create_deliveries(warehouse, run.dataset, now=now, policy=policy)
            if dispatcher is not None:
                evaluation.attempted = dispatcher.deliver(warehouse, run.dataset, now=now)
            if metrics is not None:
                metrics.publish(evaluation.statuses, at=now)
    except GenAICostsError as exc:
        _alert_failed_run(warehouse, message.org_slug, exc, targets=ops_targets, now=now)
        raise
    return evaluation


def _alert_failed_run(
    warehouse: Warehouse, org_slug: str, exc: Exception, *, targets: Sequence[ChannelTarget], now: dt.datetime
) -> None:
    """Best effort: the warehouse that failed the run may refuse the alert too (then only the run
    ledger and the log line carry the failure)."""
    try:
        dataset = dataset_for(org_slug)
        if not warehouse.dataset_exists(dataset):
            return
        raise_operational_alert(
            warehouse,
            dataset,
            org_slug=org_slug,
            kind=AlertKind.RUN_FAILED,
            subject="budgets/evaluate",
            occasion=now.date().isoformat(),  # at most one a day while the evaluation keeps failing
            summary=f"budget evaluation failed: {type(exc).__name__}: {redact(str(exc))}"[:300],
            source="budgets",
            targets=targets,
            now=now,
        )
    except Exception as alert_exc:  # the original failure is what the caller must see
        log.error("could not raise the run_failed alert: %s", redact(str(alert_exc)))
