"""UTC time helpers shared by the provider modules (all provider buckets are UTC)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

UTC = UTC
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WIDTHS = {"1m": 60, "1h": 3600, "1d": 86400}


def from_unix(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def to_unix(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def parse_rfc3339(text: str) -> datetime:
    """Parse RFC 3339 / ISO 8601 (with `Z` or offset); naive values are taken as UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def fmt_rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def floor_to(moment: datetime, width_s: int) -> datetime:
    """Floor to a UTC boundary; day widths land on UTC midnight because the epoch does."""
    seconds = to_unix(moment)
    return from_unix(seconds - seconds % width_s)


def aligned_buckets(start: datetime, end: datetime, width_s: int) -> Iterator[tuple[datetime, datetime]]:
    """Buckets covering [start, end): the first starts at `start` (possibly partial),
    later ones on UTC boundaries, the last is clipped at `end`."""
    cursor = start
    while cursor < end:
        boundary = floor_to(cursor, width_s) + timedelta(seconds=width_s)
        upper = min(boundary, end)
        yield cursor, upper
        cursor = upper


def hours(start: datetime, end: datetime) -> Iterator[datetime]:
    """Start of every UTC hour overlapping [start, end)."""
    cursor = floor_to(start, 3600)
    while cursor < end:
        yield cursor
        cursor += timedelta(hours=1)
