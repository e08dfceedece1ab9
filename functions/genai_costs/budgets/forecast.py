"""Spend forecast to a period's end: run-rate with a day-of-week profile, and a band.

    expected = spend to date + sum over the rest of the period of the mean daily spend of the same
               UTC weekday in the history (the last 4 weeks by default)
    low/high = the same with each weekday's lowest / highest day in the history

The rest of the period is counted in UTC days (the days the ledgers have), a partial day by its
share of 24 hours: the remainder of today, whole days, and the last day up to the period's end
instant (a period in another time zone ends inside a UTC day). Arithmetic is exact (fractions), the
result rounded half up to 9 decimals like NUMERIC. With fewer than ``MIN_HISTORY_DAYS`` days of
history there is no forecast: a weekday profile needs every weekday at least once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

NANO = Decimal("0.000000001")
MIN_HISTORY_DAYS = 7
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class SpendForecast:
    expected: Decimal
    low: Decimal
    high: Decimal
    history_days: int


def to_money(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(NANO, rounding=ROUND_HALF_UP)


def remaining_weekday_days(now: dt.datetime, end_at: dt.datetime) -> dict[int, Fraction]:
    """Days (fractional at the edges) of each UTC weekday (Monday 0) in [now, end_at)."""
    now, end_at = now.astimezone(dt.UTC), end_at.astimezone(dt.UTC)
    out: dict[int, Fraction] = {}
    if end_at <= now:
        return out

    def add(weekday: int, seconds: Fraction) -> None:
        out[weekday] = out.get(weekday, Fraction(0)) + Fraction(seconds) / DAY_SECONDS

    first_midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    if end_at <= first_midnight:
        add(now.weekday(), _seconds(end_at - now))
        return out
    add(now.weekday(), _seconds(first_midnight - now))
    last_midnight = dt.datetime.combine(end_at.date(), dt.time(0), tzinfo=dt.UTC)
    whole = (last_midnight.date() - first_midnight.date()).days
    first_weekday = first_midnight.weekday()
    for weekday in range(7):
        count = whole // 7 + (1 if (weekday - first_weekday) % 7 < whole % 7 else 0)
        if count:
            add(weekday, Fraction(count * DAY_SECONDS))
    if end_at > last_midnight:
        add(end_at.weekday(), _seconds(end_at - last_midnight))
    return out


def _seconds(delta: dt.timedelta) -> Fraction:
    return Fraction(delta.days * DAY_SECONDS + delta.seconds) + Fraction(delta.microseconds, 1_000_000)


def forecast_spend(
    *,
    spend_to_date: Decimal,
    daily_spend: Mapping[dt.date, Decimal],
    history_days: Iterable[dt.date],
    now: dt.datetime,
    end_at: dt.datetime,
) -> SpendForecast | None:
    """``history_days`` are the complete UTC days to learn from (a day missing from ``daily_spend``
    spent nothing); None when there are fewer than ``MIN_HISTORY_DAYS`` of them."""
    samples: dict[int, list[Fraction]] = {}
    days = sorted(set(history_days))
    for day in days:
        samples.setdefault(day.weekday(), []).append(Fraction(daily_spend.get(day, Decimal(0))))
    if len(days) < MIN_HISTORY_DAYS or len(samples) < 7:
        return None
    expected = low = high = Fraction(spend_to_date)
    for weekday, share in remaining_weekday_days(now, end_at).items():
        values = samples[weekday]
        expected += share * sum(values, Fraction(0)) / len(values)
        low += share * min(values)
        high += share * max(values)
    return SpendForecast(to_money(expected), to_money(low), to_money(high), len(days))
