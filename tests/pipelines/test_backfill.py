"""A backfill range is split into calendar-month windows that cover it exactly; bad ranges are refused."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from genai_costs.errors import ValidationError
from genai_costs.model.window import Window
from genai_costs.pipelines.backfill import CHUNK_MAX_DAYS, MAX_BACKFILL_DAYS, requested_window, split_window

TODAY = dt.date(2026, 3, 15)


def test_a_range_is_cut_at_every_first_of_the_month():
    chunks = split_window(Window(start=dt.date(2025, 11, 15), end=dt.date(2026, 2, 10)))
    assert [(c.start, c.end) for c in chunks] == [
        (dt.date(2025, 11, 15), dt.date(2025, 12, 1)),
        (dt.date(2025, 12, 1), dt.date(2026, 1, 1)),
        (dt.date(2026, 1, 1), dt.date(2026, 2, 1)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 10)),
    ]


def test_a_window_inside_one_month_is_one_chunk():
    window = Window(start=dt.date(2024, 2, 3), end=dt.date(2024, 2, 29))
    assert split_window(window) == [window]


@pytest.mark.parametrize("length", [1, 2, 27, 28, 29, 30, 31, 32, 59, 62, 365, 366, 800, MAX_BACKFILL_DAYS])
def test_chunks_cover_the_window_exactly_and_each_fits_one_run(length):
    # Every start day of a leap year and the year after, for each length.
    for offset in range(0, 731, 7 if length > 100 else 1):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
        window = Window(start=start, end=start + dt.timedelta(days=length))
        chunks = split_window(window)
        assert chunks[0].start == window.start and chunks[-1].end == window.end
        assert all(a.end == b.start for a, b in itertools.pairwise(chunks))
        assert sum(c.days for c in chunks) == length
        for c in chunks:
            assert 1 <= c.days <= CHUNK_MAX_DAYS
            last_day = c.end - dt.timedelta(days=1)
            assert (c.start.year, c.start.month) == (last_day.year, last_day.month), "a chunk spans two months"


def test_no_dates_means_the_trailing_window():
    assert requested_window(None, None, today=TODAY) is None


def test_end_date_today_is_the_latest_allowed():
    window = requested_window(dt.date(2026, 3, 1), TODAY, today=TODAY)
    assert window == Window(start=dt.date(2026, 3, 1), end=TODAY)


@pytest.mark.parametrize(
    "start, end, message",
    [
        (dt.date(2026, 3, 1), None, "give both"),
        (None, dt.date(2026, 3, 1), "give both"),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 1), "must be after start_date"),
        (dt.date(2026, 3, 2), dt.date(2026, 3, 1), "must be after start_date"),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 16), "after today"),
        (dt.date(2019, 12, 31), dt.date(2020, 2, 1), "before 2020-01-01"),
        (dt.date(2022, 3, 1), dt.date(2026, 3, 1), f"at most {MAX_BACKFILL_DAYS}"),
    ],
)
def test_bad_ranges_are_refused_with_the_reason(start, end, message):
    with pytest.raises(ValidationError, match=message):
        requested_window(start, end, today=TODAY)
