"""The parameters of the cost routes (query string) and of ``genai-costs costs`` (options), validated once
here so the HTTP routes and the CLI accept and refuse exactly the same input."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
GroupBy = Literal["tenant_id", "user_id", "service", "workflow_id", "provider", "model", "day"]
GROUP_BY_VALUES: tuple[str, ...] = GroupBy.__args__  # type: ignore[attr-defined]
FILTERS = ("workflow_id", "tenant_id", "user_id", "service", "provider", "model")

# An attribute value as record_usage stores it: text up to 256 characters, no control characters.
_Attribute = Field(None, min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")


class PeriodQuery(BaseModel):
    """``period_days`` (the last N days, today included; default 30) or ``start_date`` and ``end_date``
    (both included), at most 366 days."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    period_days: int | None = Field(None, ge=1, le=MAX_PERIOD_DAYS)
    start_date: dt.date | None = None
    end_date: dt.date | None = None

    @model_validator(mode="after")
    def _one_period(self) -> Self:
        if self.period_days is not None and (self.start_date or self.end_date):
            raise ValueError("give period_days or start_date and end_date, not both")
        if (self.start_date is None) != (self.end_date is None):
            raise ValueError("start_date and end_date go together (both included)")
        if self.start_date and self.end_date:
            if self.start_date > self.end_date:
                raise ValueError(f"start_date {self.start_date} is after end_date {self.end_date}")
            days = (self.end_date - self.start_date).days + 1
            if days > MAX_PERIOD_DAYS:
                raise ValueError(f"the period is {days} days; at most {MAX_PERIOD_DAYS} are allowed")
        return self

    def period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """First and last day of the period, both included."""
        if self.start_date and self.end_date:
            return self.start_date, self.end_date
        days = self.period_days or DEFAULT_PERIOD_DAYS
        return today - dt.timedelta(days=days - 1), today


class CostQuery(PeriodQuery):
    """A period, optional exact-match filters (events whose attribute equals the value) and an optional
    ``group_by``."""

    workflow_id: str | None = _Attribute
    tenant_id: str | None = _Attribute
    user_id: str | None = _Attribute
    service: str | None = _Attribute
    provider: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{1,40}$")
    model: str | None = _Attribute
    group_by: GroupBy | None = None

    def filters(self) -> dict[str, str]:
        """The filters given, by name."""
        return {name: value for name in FILTERS if (value := getattr(self, name)) is not None}
