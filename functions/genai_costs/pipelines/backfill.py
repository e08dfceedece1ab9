"""The window a manual run asks for, checked, and split into windows one function run can finish.

Chunk size: one calendar month (at most 31 days). Why:

- time and memory: a run reads its whole window before it writes (ingestion spools every record,
  then replaces the window in one transaction). Against the simulator at scale 1 a 30-day run takes
  1-11 s and peaks at 133-265 MiB; a 365-day run takes up to 214 s (Vertex AI) and 358 MiB
  (OpenAI), bench/README.md. The functions run with 512 MiB and a 540 s timeout, and real provider
  APIs are slower and rate limited (Azure Cost Management, Cost Explorer), so a year is too much
  for one run and a month leaves more than an order of magnitude of headroom;
- the providers' own paging: OpenAI's and Anthropic's usage and cost endpoints return at most 31
  daily buckets per page, so a month is one page span per grouping;
- retries stay cheap: a failed chunk is redelivered (and dead-lettered) alone, not the whole range;
- months are what the money is organized by: monthly free tiers reset on the 1st, so a
  consolidation chunk that is a calendar month needs nothing from another chunk except the
  cumulative usage of earlier months for one-time free tiers, which is why consolidation chunks
  are published in order (an ordering key; see ``trigger``).

A range longer than ``MAX_BACKFILL_DAYS`` is refused: ask for it in parts.
"""

from __future__ import annotations

import datetime as dt

from ..errors import ValidationError
from ..model.window import Window

# No GenAI provider usage API has data before this; anything earlier is a typo.
EARLIEST_DATE = dt.date(2020, 1, 1)
MAX_BACKFILL_DAYS = 3 * 366
CHUNK_MAX_DAYS = 31


def requested_window(start: dt.date | None, end: dt.date | None, *, today: dt.date) -> Window | None:
    """The window ``[start, end)`` a caller asked for, or None for the scheduler's trailing window.

    Raises ValidationError naming the problem: only one of the two dates, an empty or reversed
    window, a window that reaches into today (still incomplete) or the future, a start before
    ``EARLIEST_DATE``, or a range longer than ``MAX_BACKFILL_DAYS``."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValidationError("give both start_date and end_date, or neither (the scheduler's trailing window)")
    if end <= start:
        raise ValidationError(f"end_date {end} must be after start_date {start} (the window is [start_date, end_date))")
    if end > today:
        raise ValidationError(
            f"end_date {end} is after today ({today}): the window is [start_date, end_date) and today is still "
            "incomplete, so end_date can be today at the latest"
        )
    if start < EARLIEST_DATE:
        raise ValidationError(f"start_date {start} is before {EARLIEST_DATE}: no provider has usage data that old")
    days = (end - start).days
    if days > MAX_BACKFILL_DAYS:
        raise ValidationError(f"the window has {days} days; at most {MAX_BACKFILL_DAYS} per request: split the range")
    return Window(start=start, end=end)


def split_window(window: Window) -> list[Window]:
    """``window`` cut at every first of a month: consecutive, disjoint, covering it exactly, each at
    most ``CHUNK_MAX_DAYS`` days."""
    chunks: list[Window] = []
    start = window.start
    while start < window.end:
        next_month = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        end = min(next_month, window.end)
        chunks.append(Window(start=start, end=end))
        start = end
    return chunks
