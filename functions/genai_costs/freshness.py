"""Freshness and completeness per source, and the operational alerts it calls for.

The figures and the state come from the view ``genai_source_freshness`` (its header explains each
column and rule; the lag per source is ``settles`` in the provider catalog, seeded as
``genai_ref_sources``). This module reads them and turns every source that is not fresh into an
:class:`~genai_costs.model.alert.Alert`:

    late, silent  ->  source_stale (warning)
    failing       ->  run_failed   (critical)

An alert's id is stable for one episode: the source, its state and the last day known complete
(the alert ledger's operational key ``kind|subject|occasion`` with subject = source_id and occasion =
state and day). A source that stays late or silent on the same day yields the same id on every
evaluation, so it is raised once when the source turns late or silent, and again when the episode
changes (a new day behind, or from late to silent). The scheduled budget evaluation records each
episode in the alert ledger (once, however often it runs: the ledger key is the episode) and delivers it
to the operations targets; :func:`raise_alerts` is the manual path (`genai-costs freshness --alert-targets`),
delivering inline and skipping the ids the caller has already raised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Literal

from pydantic import BaseModel

from .alerting import ChannelSender, ChannelTarget, Delivery, deliver_inline, new_delivery
from .model.alert import Alert, AlertKind, OperationalFacts, WhereToLook, stable_alert_id
from .orgs import dataset_for
from .paths import sql_root
from .warehouse.base import Warehouse
from .warehouse.sqlfiles import load_statement

FreshnessState = Literal["fresh", "late", "silent", "failing"]


class SourceFreshness(BaseModel):
    """One row of genai_source_freshness."""

    source_id: str
    flow: str
    source: str
    provider: str
    display_name: str
    settles_after_days: int
    complete_through: dt.date | None
    expected_through: dt.date
    days_behind: int | None
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    last_run_status: str | None
    last_error_kind: str | None
    last_error: str | None
    running_since: dt.datetime | None
    last_row_date: dt.date | None
    rows_expected_day: int
    rows_last_3_days: int
    rows_norm: float | None
    state: FreshnessState
    state_reason: str


def read_freshness(warehouse: Warehouse, org_slug: str) -> list[SourceFreshness]:
    """Every enabled source of the organization, those needing attention first."""
    rows = warehouse.query(dataset_for(org_slug), load_statement(sql_root(), "source_freshness"))
    return [SourceFreshness.model_validate(r) for r in rows]


class Episode(BaseModel):
    """A source that needs an alert, and what identifies its episode: the alert ledger's operational key
    is ``kind|subject|occasion`` (subject = the source id, occasion = state and last day complete)."""

    source: SourceFreshness
    kind: AlertKind
    occasion: str
    summary: str

    @property
    def last_success_at(self) -> dt.datetime | None:
        at = self.source.last_success_at
        return at.replace(tzinfo=at.tzinfo or dt.UTC) if at else None


def episodes(sources: Iterable[SourceFreshness]) -> Iterator[Episode]:
    """The sources that are late, silent or failing, each with its episode (see the module docstring)."""
    for s in sources:
        if s.state == "fresh":
            continue
        kind = AlertKind.RUN_FAILED if s.state == "failing" else AlertKind.SOURCE_STALE
        day = s.complete_through.isoformat() if s.complete_through else "never"
        yield Episode(source=s, kind=kind, occasion=f"{s.state}|{day}", summary=_summary(s))


def operational_alerts(
    org_slug: str, sources: Iterable[SourceFreshness], *, evaluated_at: dt.datetime
) -> Iterator[Alert]:
    """The alerts to raise for the sources that are late, silent or failing (see the module docstring)."""
    dataset = dataset_for(org_slug)
    for e in episodes(sources):
        s = e.source
        yield Alert(
            alert_id=stable_alert_id(org_slug, e.kind, s.source_id, e.occasion),
            kind=e.kind,
            org_slug=org_slug,
            evaluated_at=evaluated_at,
            operational=OperationalFacts(summary=e.summary, source=s.source_id, last_success_at=e.last_success_at),
            where_to_look=WhereToLook(
                hint=(
                    f"SELECT * FROM {dataset}.genai_source_freshness WHERE source_id = '{s.source_id}'; "
                    f"runs: genai-costs pipelines runs {org_slug} --flow {s.flow} --provider {s.source}"
                )[:300]
            ),
        )


def _summary(s: SourceFreshness) -> str:
    through = f"complete through {s.complete_through}" if s.complete_through else "no day complete yet"
    return f"{s.display_name} is {s.state}: {s.state_reason} ({through}, expected {s.expected_through})"[:300]


def raise_alerts(
    alerts: Iterable[Alert],
    targets: Sequence[ChannelTarget],
    sender_for: Callable[[ChannelTarget], ChannelSender],
    *,
    already_raised: set[str],
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> list[Delivery]:
    """Deliver every alert whose id is not in ``already_raised`` to every target (adding the id), and
    return the deliveries: final, or pending when a channel asked to wait longer than inline retries do."""
    deliveries = []
    for alert in alerts:
        if alert.alert_id in already_raised:
            continue
        for target in targets:
            row = new_delivery(alert.alert_id, target, now=clock())
            deliveries.append(deliver_inline(row, alert, sender_for(target), clock=clock))
        already_raised.add(alert.alert_id)
    return deliveries
