"""Budget periods: calendar days in the budget's own IANA time zone, never the server's.

A period is the local dates [start, end) and the UTC instants of their local midnights
[start_at, end_at). Calendar periods are aligned to the calendar (a month is the month, 28 to 31
days, never "30 days"; a week starts on Monday or Sunday; quarters start in January, April, July and
October). A day across a daylight-saving change has 23 or 25 hours, and where the clocks jump at
midnight the day starts at the first instant that exists (zoneinfo resolves the missing local
midnight with the offset before the jump, which is exactly that instant). A custom period is one
fixed range of local dates; outside it the budget has no current period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    CUSTOM = "custom"


class WeekStart(StrEnum):
    MONDAY = "monday"
    SUNDAY = "sunday"


@dataclass(frozen=True)
class Period:
    start: dt.date  # first local date
    end: dt.date  # local date the period ends before (exclusive)
    time_zone: str
    start_at: dt.datetime  # UTC instant of the local midnight starting ``start``
    end_at: dt.datetime  # UTC instant of the local midnight starting ``end``

    def contains(self, instant: dt.datetime) -> bool:
        return self.start_at <= instant < self.end_at

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant the local ``day`` begins (the first instant that exists on it)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def calendar_bounds(
    kind: PeriodKind, today: dt.date, week_start: WeekStart = WeekStart.MONDAY
) -> tuple[dt.date, dt.date]:
    """The local dates [start, end) of the calendar period of ``kind`` that contains ``today``."""
    if kind is PeriodKind.DAILY:
        return today, today + dt.timedelta(days=1)
    if kind is PeriodKind.WEEKLY:
        first = 0 if week_start is WeekStart.MONDAY else 6  # date.weekday(): Monday 0 .. Sunday 6
        start = today - dt.timedelta(days=(today.weekday() - first) % 7)
        return start, start + dt.timedelta(days=7)
    if kind is PeriodKind.MONTHLY:
        start = today.replace(day=1)
        return start, _add_months(start, 1)
    if kind is PeriodKind.QUARTERLY:
        start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return start, _add_months(start, 3)
    if kind is PeriodKind.YEARLY:
        return dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)
    raise ValueError(f"{kind} is not a calendar period")


def period_of(start: dt.date, end: dt.date, time_zone: str) -> Period:
    zone = ZoneInfo(time_zone)
    return Period(start, end, time_zone, local_midnight(start, zone), local_midnight(end, zone))


def current_period(
    kind: PeriodKind,
    time_zone: str,
    now: dt.datetime,
    *,
    week_start: WeekStart = WeekStart.MONDAY,
    custom_start: dt.date | None = None,
    custom_end: dt.date | None = None,
) -> Period | None:
    """The period that contains the instant ``now`` (aware), or None for a custom range it is outside."""
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    if kind is PeriodKind.CUSTOM:
        if custom_start is None or custom_end is None:
            raise ValueError("a custom period needs custom_start and custom_end")
        period = period_of(custom_start, custom_end, time_zone)
        return period if period.contains(now) else None
    today = now.astimezone(ZoneInfo(time_zone)).date()
    start, end = calendar_bounds(kind, today, week_start)
    return period_of(start, end, time_zone)
