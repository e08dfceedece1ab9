"""Closed billing periods (``genai_closed_periods``): months whose costs the organization has invoiced
or reported and wants frozen.

A closed month's unified and FOCUS rows are never rewritten: consolidation runs only on the open days
of its window (:func:`open_windows`), and a later price change reaches a closed month only through
correction rows billed in the current open month (:mod:`genai_costs.pricing.corrections`). Closing and
reopening record who and when; reopening lets consolidation re-price the month in place again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from .errors import ConfigurationError, ConflictError, ValidationError
from .orgs import dataset_for
from .paths import sql_root
from .warehouse.base import Warehouse
from .warehouse.sqlfiles import load_statement
from .warehouse.tables import load_table_specs

PERIODS_TABLE = "genai_closed_periods"
REPLACE_STATEMENTS = ("closed_periods_delete_replaced", "closed_periods_insert")


def month_start(value: str | dt.date) -> dt.date:
    """The first day of a month given as ``YYYY-MM`` (or any day of it)."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise ValidationError(f"month {value!r} is not YYYY-MM (e.g. 2026-11)") from exc


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


class Period(BaseModel):
    billing_period_start: dt.date
    billing_period_end: dt.date
    status: Literal["closed", "open"]
    closed_at: dt.datetime
    closed_by: str
    close_reason: str | None = None
    reopened_at: dt.datetime | None = None
    reopened_by: str | None = None
    reopen_reason: str | None = None


class PeriodRequest(BaseModel):
    org_slug: str
    month: dt.date  # first day of the month
    actor: str = Field(min_length=1)
    reason: str | None = None


def read_periods(warehouse: Warehouse, dataset: str) -> list[Period]:
    """Every period row; none when the dataset predates the table (nothing was ever closed)."""
    if not warehouse.table_exists(dataset, PERIODS_TABLE):
        return []
    rows = warehouse.query(dataset, load_statement(sql_root(), "closed_periods_rows"))
    return [Period.model_validate(r) for r in rows]


def closed_months(periods: Iterable[Period]) -> list[dt.date]:
    return sorted(p.billing_period_start for p in periods if p.status == "closed")


def is_closed(day: dt.date, closed: Sequence[dt.date]) -> bool:
    return day.replace(day=1) in closed


def _runs(
    start: dt.date, end: dt.date, closed: Sequence[dt.date], *, want_closed: bool
) -> list[tuple[dt.date, dt.date]]:
    """Maximal runs of days in [start, end) that are in closed months (or not), by month boundaries."""
    runs: list[tuple[dt.date, dt.date]] = []
    day = start
    while day < end:
        stop = min(next_month(day), end)
        if is_closed(day, closed) == want_closed:
            if runs and runs[-1][1] == day:
                runs[-1] = (runs[-1][0], stop)
            else:
                runs.append((day, stop))
        day = stop
    return runs


def open_runs(start: dt.date, end: dt.date, closed: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """The days of [start, end) in open months, as half-open runs."""
    return _runs(start, end, closed, want_closed=False)


def closed_runs(start: dt.date, end: dt.date, closed: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """The days of [start, end) in closed months, as half-open runs."""
    return _runs(start, end, closed, want_closed=True)


def billing_period_for_corrections(today: dt.date, closed: Sequence[dt.date]) -> dt.date:
    """The open month corrections are billed in: today's month, or the first open month after it."""
    month = today.replace(day=1)
    while month in closed:
        month = next_month(month)
    return month


class PeriodStore:
    """One organization's closed periods."""

    def __init__(self, warehouse: Warehouse, org_slug: str, *, now: dt.datetime | None = None) -> None:
        self.warehouse = warehouse
        self.org_slug = org_slug
        self.dataset = dataset_for(org_slug)
        self.now = now

    def _now(self) -> dt.datetime:
        return (self.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)

    def list(self) -> list[Period]:
        self._require()
        return read_periods(self.warehouse, self.dataset)

    def close(self, request: PeriodRequest) -> Period:
        """Close a month that has begun; closing a closed month changes nothing."""
        now = self._now()
        month = month_start(request.month)
        if month > now.date():
            raise ValidationError(f"{month:%Y-%m} has not begun: only a current or past month can be closed")
        current = self._find(month)
        if current is not None and current.status == "closed":
            return current
        period = Period(
            billing_period_start=month,
            billing_period_end=next_month(month),
            status="closed",
            closed_at=now,
            closed_by=request.actor,
            close_reason=request.reason,
        )
        self._write(period)
        return period

    def reopen(self, request: PeriodRequest) -> Period:
        month = month_start(request.month)
        current = self._find(month)
        if current is None or current.status != "closed":
            raise ConflictError(f"{month:%Y-%m} is not closed for {self.org_slug}")
        period = current.model_copy(
            update={
                "status": "open",
                "reopened_at": self._now(),
                "reopened_by": request.actor,
                "reopen_reason": request.reason,
            }
        )
        self._write(period)
        return period

    def _find(self, month: dt.date) -> Period | None:
        return next((p for p in self.list() if p.billing_period_start == month), None)

    def _require(self) -> None:
        if not self.warehouse.dataset_exists(self.dataset):
            raise ConfigurationError(f"organization {self.org_slug} is not onboarded (no dataset {self.dataset})")
        if not self.warehouse.table_exists(self.dataset, PERIODS_TABLE):
            raise ConfigurationError(
                f"dataset {self.dataset} has no {PERIODS_TABLE}: onboard the organization again (or terraform apply)"
            )

    def _write(self, period: Period) -> None:
        root = sql_root()
        spec = load_table_specs(root)[PERIODS_TABLE]
        row: dict[str, Any] = period.model_dump()
        statements = [load_statement(root, name).parsed() for name in REPLACE_STATEMENTS]
        self.warehouse.apply_staged_tables(self.dataset, [(spec, [row])], statements)
