"""Budget periods follow the calendar in the budget's own time zone: months of 28 to 31 days, weeks
from Monday (or Sunday), days of 23 or 25 hours across daylight-saving changes, and a day that starts
at 01:00 where the clocks jump at midnight."""

from __future__ import annotations

import datetime as dt

import pytest

from genai_costs.budgets.model import BudgetPeriod
from genai_costs.budgets.periods import PeriodKind, WeekStart, current_period

from .conftest import at

D = dt.date


def period(kind: str, tz: str, now: str, **extra):
    return BudgetPeriod.model_validate({"kind": kind, "time_zone": tz, **extra}).current(at(now))


@pytest.mark.parametrize(
    ("now", "start", "end", "days"),
    [
        ("2024-02-15T12:00:00", D(2024, 2, 1), D(2024, 3, 1), 29),  # leap February
        ("2025-02-28T23:59:59", D(2025, 2, 1), D(2025, 3, 1), 28),
        ("2025-04-30T12:00:00", D(2025, 4, 1), D(2025, 5, 1), 30),
        ("2025-01-31T00:00:00", D(2025, 1, 1), D(2025, 2, 1), 31),
        ("2025-12-31T23:59:59", D(2025, 12, 1), D(2026, 1, 1), 31),
    ],
)
def test_a_month_is_the_calendar_month_not_thirty_days(now, start, end, days):
    p = period("monthly", "UTC", now)
    assert (p.start, p.end, p.days) == (start, end, days)
    assert p.start_at == at(f"{start}T00:00:00") and p.end_at == at(f"{end}T00:00:00")


@pytest.mark.parametrize(
    ("tz", "now", "start", "start_at"),
    [
        # 23:30 UTC on 31 January is already February in Berlin, still January in New York.
        ("Europe/Berlin", "2025-01-31T23:30:00", D(2025, 2, 1), "2025-01-31T23:00:00"),
        ("America/New_York", "2025-01-31T23:30:00", D(2025, 1, 1), "2025-01-01T05:00:00"),
        ("Asia/Kathmandu", "2025-03-31T18:15:00", D(2025, 4, 1), "2025-03-31T18:15:00"),  # +05:45
        ("Asia/Kathmandu", "2025-03-31T18:14:59", D(2025, 3, 1), "2025-02-28T18:15:00"),
        ("Pacific/Kiritimati", "2025-06-30T10:00:00", D(2025, 7, 1), "2025-06-30T10:00:00"),  # +14
        ("Pacific/Pago_Pago", "2025-07-01T10:59:59", D(2025, 6, 1), "2025-06-01T11:00:00"),  # -11
        ("America/St_Johns", "2025-07-01T02:30:00", D(2025, 7, 1), "2025-07-01T02:30:00"),  # -02:30 in summer
    ],
)
def test_months_start_at_local_midnight_of_the_budget_zone(tz, now, start, start_at):
    p = period("monthly", tz, now)
    assert p.start == start
    assert p.start_at == at(start_at)
    assert p.contains(at(now))


def test_the_last_instant_of_a_period_is_in_it_and_the_next_one_is_not():
    p = period("monthly", "Europe/Berlin", "2025-10-15T12:00:00")
    assert p.contains(p.end_at - dt.timedelta(microseconds=1))
    assert not p.contains(p.end_at)
    assert p.contains(p.start_at) and not p.contains(p.start_at - dt.timedelta(microseconds=1))
    # October in Berlin runs from CEST (UTC+2) into CET (UTC+1): 31 days and one hour.
    assert p.end_at - p.start_at == dt.timedelta(days=31, hours=1)


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("America/New_York", "2025-03-09", 23),  # spring forward at 02:00
        ("America/New_York", "2025-11-02", 25),  # fall back at 02:00
        ("Europe/Berlin", "2025-03-30", 23),
        ("Europe/Berlin", "2025-10-26", 25),
        ("Australia/Lord_Howe", "2025-10-05", 23.5),  # half-hour daylight saving
        ("America/Santiago", "2025-09-07", 23),  # clocks jump from 00:00 to 01:00
        ("America/Santiago", "2025-04-06", 24),
        ("America/Santiago", "2025-04-05", 25),  # 23:00-24:00 happens twice
        ("UTC", "2025-03-30", 24),
    ],
)
def test_a_day_across_a_daylight_saving_change_has_its_real_length(tz, day, hours):
    p = period("daily", tz, f"{day}T12:00:00")
    assert p.start == D.fromisoformat(day)
    assert (p.end_at - p.start_at) == dt.timedelta(hours=hours)


def test_where_midnight_does_not_exist_the_day_starts_at_the_first_instant_that_does():
    p = period("daily", "America/Santiago", "2025-09-07T12:00:00")
    assert p.start_at == at("2025-09-07T04:00:00")  # 01:00 -03, the instant after 23:59:59 -04
    previous = period("daily", "America/Santiago", "2025-09-06T12:00:00")
    assert previous.end_at == p.start_at  # no gap, no overlap


@pytest.mark.parametrize(
    ("now", "week_start", "start"),
    [
        ("2025-12-31T12:00:00", "monday", D(2025, 12, 29)),  # a week across the year's end
        ("2026-01-04T23:59:59", "monday", D(2025, 12, 29)),  # Sunday ends the Monday week
        ("2026-01-05T00:00:00", "monday", D(2026, 1, 5)),
        ("2026-01-04T00:00:00", "sunday", D(2026, 1, 4)),
        ("2026-01-03T23:59:59", "sunday", D(2025, 12, 28)),
    ],
)
def test_weeks_start_on_the_configured_day(now, week_start, start):
    p = period("weekly", "UTC", now, week_start=week_start)
    assert (p.start, p.end) == (start, start + dt.timedelta(days=7))


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        ("2025-01-01T00:00:00", D(2025, 1, 1), D(2025, 4, 1)),
        ("2025-03-31T23:59:59", D(2025, 1, 1), D(2025, 4, 1)),
        ("2025-08-15T00:00:00", D(2025, 7, 1), D(2025, 10, 1)),
        ("2025-12-31T00:00:00", D(2025, 10, 1), D(2026, 1, 1)),
    ],
)
def test_quarters_are_calendar_quarters(now, start, end):
    p = period("quarterly", "UTC", now)
    assert (p.start, p.end) == (start, end)


def test_a_year_in_tokyo_starts_on_new_years_eve_in_utc():
    p = period("yearly", "Asia/Tokyo", "2025-12-31T15:00:00")
    assert (p.start, p.end) == (D(2026, 1, 1), D(2027, 1, 1))
    assert p.start_at == at("2025-12-31T15:00:00")


def test_a_custom_range_has_a_period_only_inside_it():
    spec = {"start": "2025-11-10", "end": "2025-11-20"}
    inside = period("custom", "America/Los_Angeles", "2025-11-10T08:00:00", **spec)
    assert inside is not None and (inside.start, inside.end) == (D(2025, 11, 10), D(2025, 11, 20))
    assert period("custom", "America/Los_Angeles", "2025-11-10T07:59:59", **spec) is None  # still the 9th there
    assert period("custom", "America/Los_Angeles", "2025-11-20T08:00:00", **spec) is None


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="time zone"):
        current_period(PeriodKind.DAILY, "UTC", dt.datetime(2025, 1, 1), week_start=WeekStart.MONDAY)
