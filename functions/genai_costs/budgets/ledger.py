"""The alert ledger: exactly one alert per key, and the delivery rows of each alert.

Keys:

    budget        budget|<budget_id>|<period start>|<threshold %>|<basis>|<repeat>
    operational   <kind>|<subject>|<occasion>, e.g. source_stale|payg/openai|2026-11-20T04:00:00+00:00

A new period has a new start date, so every threshold re-arms. The amount is not in the key: a
changed amount is evaluated against the same keys, so what was sent is not sent again and a lower
amount alerts only the thresholds it newly crosses. Repeat 0 is the crossing itself; a budget with a
cooldown gets reminder n (n >= 1) once n cooldowns have passed since the crossing, while the
threshold stays crossed. When several thresholds of one basis cross in the same evaluation, all are
recorded and only the highest is delivered (the others point to it in ``superseded_by``).

Inserts are guarded conditional inserts (:mod:`.guards`): of two evaluations racing on a key, or a
Pub/Sub redelivery of the same evaluation, exactly one row is written. Delivery rows are created
for ledger rows that have none, in their own guarded insert keyed by delivery_key, so a crash
between the two leaves nothing undelivered: the next pass creates them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from ..alerting.delivery import Delivery, DeliveryStatus, new_delivery
from ..alerting.retry import DeliveryRetryPolicy
from ..alerting.targets import ChannelTarget
from ..model.alert import (
    Alert,
    AlertBudget,
    AlertKind,
    AlertPeriod,
    AlertScope,
    BudgetFacts,
    Contributor,
    Forecast,
    OperationalFacts,
    TopContributors,
    WhereToLook,
    stable_alert_id,
)
from ..paths import sql_root
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from .guards import guarded_write
from .model import Basis, Threshold
from .status import BudgetStatus
from .store import json_value

log = logging.getLogger(__name__)
LEDGER_TABLE = "genai_alert_ledger"
DELIVERIES_TABLE = "genai_alert_deliveries"
TOP_CONTRIBUTORS = 5
_TARGETS = TypeAdapter(list[ChannelTarget])


def percent_text(percent: Decimal) -> str:
    """90 -> "90", 99.50 -> "99.5": one spelling per threshold, whatever its stored scale."""
    return f"{percent.normalize():f}"


def kind_for(basis: Basis) -> AlertKind:
    return AlertKind.BUDGET_FORECAST if basis is Basis.FORECAST else AlertKind.BUDGET_ACTUAL


def budget_key_parts(budget_id: str, period_start: dt.date, threshold: Threshold, repeat: int) -> tuple[str, ...]:
    return (budget_id, period_start.isoformat(), percent_text(threshold.percent), threshold.basis.value, str(repeat))


def budget_ledger_key(budget_id: str, period_start: dt.date, threshold: Threshold, repeat: int) -> str:
    return "|".join(("budget", *budget_key_parts(budget_id, period_start, threshold, repeat)))


@dataclass(frozen=True)
class Crossing:
    """A threshold of a budget crossed at this evaluation whose ledger key is still absent."""

    status: BudgetStatus
    threshold: Threshold
    repeat: int

    @property
    def key(self) -> str:
        return budget_ledger_key(self.status.budget.budget_id, self.status.period.start, self.threshold, self.repeat)

    @property
    def alert_id(self) -> str:
        b = self.status.budget
        parts = budget_key_parts(b.budget_id, self.status.period.start, self.threshold, self.repeat)
        return stable_alert_id(b.org_slug, kind_for(self.threshold.basis), *parts)


def new_crossings(
    statuses: Iterable[BudgetStatus], existing: Mapping[str, dt.datetime], now: dt.datetime
) -> list[Crossing]:
    """Crossed thresholds not yet in the ledger (``existing``: ledger key -> when it was raised),
    plus the reminders a budget's cooldown allows. A pre-filter: the guarded insert decides."""
    out = []
    for status in statuses:
        budget = status.budget
        for threshold in status.crossed:
            first = budget_ledger_key(budget.budget_id, status.period.start, threshold, 0)
            if first not in existing:
                out.append(Crossing(status, threshold, 0))
            elif budget.cooldown_minutes:
                repeat = int((now - existing[first]) / dt.timedelta(minutes=budget.cooldown_minutes))
                key = budget_ledger_key(budget.budget_id, status.period.start, threshold, repeat)
                if repeat >= 1 and key not in existing:
                    out.append(Crossing(status, threshold, repeat))
    return out


def superseded(crossings: Sequence[Crossing]) -> dict[str, str]:
    """alert_id -> the alert_id that supersedes it: the highest threshold per budget and basis."""
    top: dict[tuple[str, Basis], Crossing] = {}
    for c in crossings:
        group = (c.status.budget.budget_id, c.threshold.basis)
        if group not in top or c.threshold.percent > top[group].threshold.percent:
            top[group] = c
    return {
        c.alert_id: top[(c.status.budget.budget_id, c.threshold.basis)].alert_id
        for c in crossings
        if top[(c.status.budget.budget_id, c.threshold.basis)] is not c
    }


def budget_alert(crossing: Crossing, top: TopContributors, *, dataset: str) -> Alert:
    s, b = crossing.status, crossing.status.budget
    forecast = Forecast(expected=s.forecast.expected, low=s.forecast.low, high=s.forecast.high) if s.forecast else None
    return Alert(
        alert_id=crossing.alert_id,
        kind=kind_for(crossing.threshold.basis),
        org_slug=b.org_slug,
        evaluated_at=s.evaluated_at,
        budget=BudgetFacts(
            budget=AlertBudget(
                budget_id=b.budget_id, name=b.name, scope=AlertScope(**b.scope.model_dump()), amount=b.amount_usd
            ),
            period=AlertPeriod(start=s.period.start, end=s.period.end, time_zone=s.period.time_zone),
            threshold_percent=crossing.threshold.percent,
            spend_to_date=s.spend_usd,
            forecast=forecast,
            estimated_days=s.estimated_days,
            top=top,
        ),
        where_to_look=WhereToLook(
            hint=f"{dataset}.genai_budget_status WHERE budget_id = '{b.budget_id}' ORDER BY evaluated_at DESC"
        ),
    )


def ledger_row(
    alert: Alert,
    *,
    key: str,
    targets: Sequence[ChannelTarget],
    evaluation_id: str,
    now: dt.datetime,
    repeat: int = 0,
    budget_version: int | None = None,
    threshold: Threshold | None = None,
    subject: str | None = None,
    superseded_by: str | None = None,
) -> dict[str, Any]:
    facts = alert.budget
    return {
        "ledger_key": key,
        "alert_id": alert.alert_id,
        "org_slug": alert.org_slug,
        "kind": alert.kind.value,
        "budget_id": facts.budget.budget_id if facts else None,
        "budget_version": budget_version,
        "period_start": facts.period.start if facts else None,
        "period_end": facts.period.end if facts else None,
        "threshold_percent": threshold.percent if threshold else None,
        "basis": threshold.basis.value if threshold else None,
        "repeat_index": repeat,
        "subject": subject,
        "spend_usd": facts.spend_to_date if facts else None,
        "amount_usd": facts.budget.amount if facts else None,
        "forecast_usd": facts.forecast.expected if facts and facts.forecast else None,
        "superseded_by": superseded_by,
        "alert": alert.model_dump(mode="json"),
        "channels": [t.model_dump(mode="json") for t in targets],
        "channel_count": len(targets),
        "evaluation_id": evaluation_id,
        "created_at": now,
    }


def existing_budget_keys(warehouse: Warehouse, dataset: str, since: dt.date) -> dict[str, dt.datetime]:
    rows = warehouse.query(dataset, load_statement(sql_root(), "alert_ledger_keys"), {"p_since": since})
    return {r["ledger_key"]: r["created_at"] for r in rows}


def top_contributors(
    warehouse: Warehouse, dataset: str, statuses: Sequence[BudgetStatus], *, now: dt.datetime, runs_since: dt.date
) -> dict[str, TopContributors]:
    """Top tenants, users and models of each budget's spend in its period so far (one query)."""
    if not statuses:
        return {}
    wanted = json.dumps(
        [{"budget_id": s.budget.budget_id, "start_at": s.period.start_at.isoformat()} for s in statuses]
    )
    rows = warehouse.query(
        dataset,
        load_statement(sql_root(), "budget_top_contributors"),
        {
            "p_budgets": wanted,
            "p_now": now,
            "p_today": now.date(),
            "p_scan_start": min(s.period.start_at.astimezone(dt.UTC).date() for s in statuses),
            "p_runs_since": runs_since,
            "p_limit": TOP_CONTRIBUTORS,
        },
    )
    found: dict[str, dict[str, list[Contributor]]] = {}
    for r in rows:
        group = found.setdefault(r["budget_id"], {"tenant": [], "user": [], "model": []})
        group[r["dimension"]].append(Contributor(name=str(r["name"])[:300], amount=Decimal(r["usd"])))
    return {
        budget_id: TopContributors(tenants=g["tenant"], users=g["user"], models=g["model"])
        for budget_id, g in found.items()
    }


def record_budget_alerts(
    warehouse: Warehouse,
    dataset: str,
    statuses: Sequence[BudgetStatus],
    *,
    evaluation_id: str,
    now: dt.datetime,
    runs_since: dt.date,
) -> list[Crossing]:
    """Insert the alerts of the thresholds these statuses cross that the ledger does not have yet.
    Returns the crossings that were candidates (the guarded insert keeps only absent keys)."""
    crossed = [s for s in statuses if s.crossed]
    if not crossed:
        return []
    existing = existing_budget_keys(warehouse, dataset, min(s.period.start for s in crossed))
    crossings = new_crossings(crossed, existing, now)
    if not crossings:
        return []
    replaced = superseded(crossings)
    tops = top_contributors(
        warehouse,
        dataset,
        list({c.status.budget.budget_id: c.status for c in crossings}.values()),
        now=now,
        runs_since=runs_since,
    )
    rows = []
    for c in crossings:
        alert = budget_alert(c, tops.get(c.status.budget.budget_id, TopContributors()), dataset=dataset)
        rows.append(
            ledger_row(
                alert,
                key=c.key,
                targets=c.status.budget.channels,
                evaluation_id=evaluation_id,
                now=now,
                repeat=c.repeat,
                budget_version=c.status.budget.version,
                threshold=c.threshold,
                superseded_by=replaced.get(c.alert_id),
            )
        )
    guarded_write(warehouse, dataset, table=LEDGER_TABLE, rows=rows, statements=["alert_ledger_insert"], now=now)
    return crossings


@dataclass(frozen=True)
class OperationalAlert:
    """What an operational alert is about; ``occasion`` says what makes a new one (see the key)."""

    kind: AlertKind
    subject: str
    occasion: str
    summary: str
    source: str | None = None
    run_id: str | None = None
    last_success_at: dt.datetime | None = None
    unpriced_models: Sequence[str] = ()

    @property
    def key(self) -> str:
        return "|".join((self.kind.value, self.subject, self.occasion))

    def alert(self, org_slug: str, *, now: dt.datetime, dataset: str) -> Alert:
        if self.kind.is_budget:
            raise ValueError(f"{self.kind.value} is a budget alert, not an operational one")
        return Alert(
            alert_id=stable_alert_id(org_slug, self.kind, self.subject, self.occasion),
            kind=self.kind,
            org_slug=org_slug,
            evaluated_at=now,
            operational=OperationalFacts(
                summary=self.summary[:300],
                source=self.source,
                run_id=self.run_id,
                last_success_at=self.last_success_at,
                unpriced_models=list(self.unpriced_models)[:50],
            ),
            where_to_look=WhereToLook(hint=f"{dataset}.genai_alert_ledger WHERE kind = '{self.kind.value}'"),
        )


def record_operational_alerts(
    warehouse: Warehouse,
    dataset: str,
    alerts: Sequence[OperationalAlert],
    *,
    org_slug: str,
    targets: Sequence[ChannelTarget],
    now: dt.datetime,
    raised_by: str,
) -> list[Alert]:
    """Insert the alerts whose keys the ledger does not have (guarded); returns their snapshots."""
    built = [(a, a.alert(org_slug, now=now, dataset=dataset)) for a in alerts]
    rows = [
        ledger_row(alert, key=a.key, targets=targets, evaluation_id=raised_by, now=now, subject=a.subject)
        for a, alert in built
    ]
    guarded_write(warehouse, dataset, table=LEDGER_TABLE, rows=rows, statements=["alert_ledger_insert"], now=now)
    return [alert for _, alert in built]


def raise_operational_alert(
    warehouse: Warehouse,
    dataset: str,
    *,
    org_slug: str,
    kind: AlertKind,
    subject: str,
    occasion: str,
    summary: str,
    targets: Sequence[ChannelTarget],
    now: dt.datetime,
    source: str | None = None,
    run_id: str | None = None,
    last_success_at: dt.datetime | None = None,
    unpriced_models: Sequence[str] = (),
    raised_by: str = "operations",
) -> Alert:
    """Raise an operational alert (unpriced usage, a stale source, a failed run) through the same
    ledger and channels as budget alerts: exactly once per (kind, subject, occasion).

    ``occasion`` says what makes a new alert: the last success time for a stale source (one alert
    per episode), the run id for a failed run, the month for an unpriced model. Delivery rows are
    created here; the next evaluation's delivery pass (or a :class:`.dispatch.Dispatcher`) sends them.
    """
    spec = OperationalAlert(kind, subject, occasion, summary, source, run_id, last_success_at, tuple(unpriced_models))
    (alert,) = record_operational_alerts(
        warehouse, dataset, [spec], org_slug=org_slug, targets=targets, now=now, raised_by=raised_by
    )
    create_deliveries(warehouse, dataset, now=now)
    return alert


def create_deliveries(
    warehouse: Warehouse,
    dataset: str,
    *,
    now: dt.datetime,
    policy: DeliveryRetryPolicy | None = None,
) -> list[Delivery]:
    """Delivery rows (one per alert and channel, pending and due now) for alerts that have none.
    A channel whose receiver answered 410 Gone gets a failed row instead of another attempt."""
    policy = policy or DeliveryRetryPolicy()
    root = sql_root()
    since = now - policy.give_up_after
    pending = warehouse.query(dataset, load_statement(root, "alert_ledger_undelivered"), {"p_since": since})
    if not pending:
        return []
    disabled = {r["channel_key"] for r in warehouse.query(dataset, load_statement(root, "alert_deliveries_disabled"))}
    deliveries = []
    for row in pending:
        for target in _TARGETS.validate_python(json_value(row["channels"])):
            delivery = new_delivery(row["alert_id"], target, now=now, policy=policy)
            if target.key in disabled:
                delivery = delivery.model_copy(
                    update={
                        "status": DeliveryStatus.FAILED,
                        "next_attempt_at": None,
                        "last_error": "the receiver answered 410 Gone earlier; change the budget's channel",
                        "endpoint_disabled": True,
                    }
                )
            deliveries.append((row["org_slug"], delivery))
    rows = [delivery_row(d, org_slug=org, now=now) for org, d in deliveries]
    guarded_write(
        warehouse, dataset, table=DELIVERIES_TABLE, rows=rows, statements=["alert_deliveries_insert"], now=now
    )
    return [d for _, d in deliveries]


def delivery_row(delivery: Delivery, *, org_slug: str, now: dt.datetime, claim_id: str | None = None) -> dict[str, Any]:
    return delivery.model_dump() | {
        "status": delivery.status.value,
        "org_slug": org_slug,
        "claim_id": claim_id,
        "claimed_until": None,
        "updated_at": now,
    }
