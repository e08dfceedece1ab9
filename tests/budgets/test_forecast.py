"""The forecast's arithmetic: what is left of a period, per UTC weekday, in exact fractions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from genai_costs.budgets.forecast import forecast_spend, remaining_weekday_days

from .conftest import at


def test_the_rest_of_a_period_is_counted_per_weekday_with_partial_edge_days():
    # From Wednesday 12:00 to the next Tuesday 06:00: half a Wednesday, whole Thu..Mon, a quarter Tuesday.
    left = remaining_weekday_days(at("2026-03-04T12:00:00"), at("2026-03-10T06:00:00"))
    assert left == {2: Fraction(1, 2), 3: 1, 4: 1, 5: 1, 6: 1, 0: 1, 1: Fraction(1, 4)}
    assert sum(left.values()) == Fraction(23, 4)


def test_long_periods_count_weekdays_arithmetically():
    left = remaining_weekday_days(at("2026-01-01T00:00:00"), at("2027-01-01T00:00:00"))
    assert sum(left.values()) == 365
    assert left[3] == 53  # 2026 starts on a Thursday: 53 Thursdays
    assert all(left[d] == 52 for d in range(7) if d != 3)


def test_a_period_that_ends_inside_today_or_is_over():
    assert remaining_weekday_days(at("2026-03-04T12:00:00"), at("2026-03-04T18:00:00")) == {2: Fraction(1, 4)}
    assert remaining_weekday_days(at("2026-03-04T12:00:00"), at("2026-03-04T12:00:00")) == {}


def test_the_forecast_is_rounded_half_up_to_nine_decimals():
    days = [dt.date(2026, 3, 1) + dt.timedelta(days=i) for i in range(7)]
    spend = {d: Decimal("1") for d in days} | {days[0]: Decimal("2")}  # Sunday
    forecast = forecast_spend(
        spend_to_date=Decimal("0"),
        daily_spend=spend,
        history_days=days,
        now=at("2026-03-08T00:00:00"),  # a Sunday
        end_at=at("2026-03-08T08:00:00"),  # a third of it left
    )
    assert forecast.expected == Decimal("0.666666667")
    assert forecast.history_days == 7
    assert (
        forecast_spend(spend_to_date=Decimal(1), daily_spend=spend, history_days=days[:6], now=days[0], end_at=days[0])
        is None
    )
