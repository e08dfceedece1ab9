"""The UTC date window a run covers: [start, end)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, model_validator


class Window(BaseModel):
    """Half-open window of whole UTC days: ``start`` inclusive, ``end`` exclusive."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} must be after start {self.start}")
        return self

    @property
    def start_dt(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_dt(self) -> datetime:
        return datetime.combine(self.end, time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def iter_days(self) -> Iterator[date]:
        d = self.start
        while d < self.end:
            yield d
            d += timedelta(days=1)

    @classmethod
    def trailing(cls, today: date, days: int) -> Window:
        """The ``days`` whole days before ``today`` (today itself is still incomplete)."""
        return cls(start=today - timedelta(days=days), end=today)
