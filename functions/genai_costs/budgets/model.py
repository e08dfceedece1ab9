"""What a budget is, validated at the edge: scope, amount, period, threshold ladder, channels,
cooldown, enabled or paused.

    BudgetDefinition   what a caller sends to create a budget (every field validated, clear errors)
    BudgetChange       a partial change; applied to a budget it gives the next version
    Budget             a stored version: the definition plus id, version and timestamps

Budgets alert; they never block a call. The scope's tenant, user, service, workflow and tags are
known only to usage events (provider bills do not carry them), so such a budget is fed by events
alone; provider, model and project are on the bills too.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..alerting.targets import ChannelTarget
from ..model.alert import AlertScope, TimeZoneName
from ..model.usage_event import PROVIDERS, TAG_KEY_PATTERN
from .periods import Period, PeriodKind, WeekStart, current_period

MAX_TAGS = 3  # each tag key is one more equi-join column in the evaluation (see budget_evaluate.sql)
MAX_THRESHOLDS = 20
MAX_CHANNELS = 10
MAX_AMOUNT = Decimal("1e12")
MAX_CUSTOM_DAYS = 3 * 366
BUDGET_ID = re.compile(r"^bud_[a-z0-9_]{1,60}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: str, what: str, limit: int = 256) -> str:
    if not value.strip():
        raise ValueError(f"{what} must not be blank")
    if value != value.strip():
        raise ValueError(f"{what} must not start or end with spaces")
    if len(value) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    if _CONTROL.search(value):
        raise ValueError(f"{what} must not contain control characters")
    return value


class BudgetScope(AlertScope):
    """Every field left empty: the whole organization. Values are matched exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("tenant", "user", "service", "workflow", "model", "project")
    @classmethod
    def _values(cls, value: str | None) -> str | None:
        return None if value is None else _text(value, "a scope value")

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str | None) -> str | None:
        if value is not None and value not in PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        if len(tags) > MAX_TAGS:
            raise ValueError(f"at most {MAX_TAGS} tags in a budget scope")
        for key, value in tags.items():
            if len(key) > 64 or not TAG_KEY_PATTERN.fullmatch(key):
                raise ValueError(f"tag key {key[:64]!r} must match {TAG_KEY_PATTERN.pattern} (at most 64 characters)")
            _text(value, f"tag {key}")
        return dict(sorted(tags.items()))

    @property
    def events_only(self) -> bool:
        """Only usage events carry these dimensions; provider bills do not."""
        return any(v is not None for v in (self.tenant, self.user, self.service, self.workflow)) or bool(self.tags)


class Basis(StrEnum):
    ACTUAL = "actual"  # spend to date
    FORECAST = "forecast"  # spend expected at the period's end


class Threshold(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    percent: Annotated[Decimal, Field(gt=0, le=1000, max_digits=6, decimal_places=2, allow_inf_nan=False)]
    basis: Basis = Basis.ACTUAL

    @property
    def label(self) -> str:
        return f"{self.percent.normalize():f}% {self.basis.value}"


DEFAULT_THRESHOLDS = tuple(Threshold(percent=Decimal(p)) for p in (50, 75, 90, 100))


class BudgetPeriod(BaseModel):
    """daily / weekly / monthly / quarterly / yearly in ``time_zone``, or a custom range of local dates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PeriodKind
    time_zone: TimeZoneName = "UTC"
    week_start: WeekStart | None = None  # weekly only; default monday
    start: dt.date | None = None  # custom only: first local date
    end: dt.date | None = None  # custom only: local date the period ends before (exclusive)

    @model_validator(mode="after")
    def _consistent(self) -> BudgetPeriod:
        if self.kind is PeriodKind.CUSTOM:
            if self.start is None or self.end is None:
                raise ValueError("a custom period needs start and end (end exclusive)")
            if self.end <= self.start:
                raise ValueError("period end must be after its start (end is exclusive)")
            if (self.end - self.start).days > MAX_CUSTOM_DAYS:
                raise ValueError(f"a custom period is at most {MAX_CUSTOM_DAYS} days")
        elif self.start is not None or self.end is not None:
            raise ValueError(f"start and end are for custom periods, not {self.kind.value}")
        if self.week_start is not None and self.kind is not PeriodKind.WEEKLY:
            raise ValueError("week_start is for weekly periods")
        return self

    @property
    def key(self) -> str:
        """Canonical text of the definition; budgets with equal keys share their current period."""
        parts = [self.kind.value, self.time_zone]
        if self.kind is PeriodKind.WEEKLY:
            parts.append((self.week_start or WeekStart.MONDAY).value)
        if self.kind is PeriodKind.CUSTOM:
            parts += [str(self.start), str(self.end)]
        return "|".join(parts)

    def current(self, now: dt.datetime) -> Period | None:
        return current_period(
            self.kind,
            self.time_zone,
            now,
            week_start=self.week_start or WeekStart.MONDAY,
            custom_start=self.start,
            custom_end=self.end,
        )


class _Fields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("name", check_fields=False)
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _text(value, "name", 120)

    @field_validator("thresholds", check_fields=False)
    @classmethod
    def _ladder(cls, value: list[Threshold] | None) -> list[Threshold] | None:
        if value is None:
            return None
        pairs = [(t.percent, t.basis) for t in value]
        if len(set(pairs)) != len(pairs):
            raise ValueError("each (percent, basis) threshold may appear once")
        return sorted(value, key=lambda t: (t.basis, t.percent))

    @field_validator("channels", check_fields=False)
    @classmethod
    def _channels(cls, value: list[ChannelTarget] | None) -> list[ChannelTarget] | None:
        if value is None:
            return None
        keys = [c.key for c in value]
        if len(set(keys)) != len(keys):
            raise ValueError("the same channel target appears twice")
        return value


Money = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=22, decimal_places=9, allow_inf_nan=False)]
Cooldown = Annotated[int, Field(ge=5, le=366 * 24 * 60)]


class BudgetDefinition(_Fields):
    name: str
    amount_usd: Money
    period: BudgetPeriod
    scope: BudgetScope = Field(default_factory=BudgetScope)
    thresholds: Annotated[list[Threshold], Field(min_length=1, max_length=MAX_THRESHOLDS)] = Field(
        default_factory=lambda: list(DEFAULT_THRESHOLDS)
    )
    channels: Annotated[list[ChannelTarget], Field(max_length=MAX_CHANNELS)] = Field(default_factory=list)
    cooldown_minutes: Cooldown | None = None  # repeat a crossed threshold at most this often; None: once per period
    enabled: bool = True
    budget_id: Annotated[str, Field(pattern=BUDGET_ID.pattern)] | None = None  # chosen by the caller, else generated


class BudgetChange(_Fields):
    """Fields to change; absent fields keep their value. ``cooldown_minutes: null`` removes repeats."""

    name: str | None = None
    amount_usd: Money | None = None
    period: BudgetPeriod | None = None
    scope: BudgetScope | None = None
    thresholds: Annotated[list[Threshold], Field(min_length=1, max_length=MAX_THRESHOLDS)] | None = None
    channels: Annotated[list[ChannelTarget], Field(max_length=MAX_CHANNELS)] | None = None
    cooldown_minutes: Cooldown | None = None
    enabled: bool | None = None

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class Budget(BudgetDefinition):
    budget_id: str
    org_slug: str
    version: Annotated[int, Field(ge=1)]
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted: bool = False

    def definition(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in BudgetDefinition.model_fields if name != "budget_id"}

    def changed(self, change: BudgetChange, *, now: dt.datetime) -> Budget:
        """The next version with ``change`` applied, validated as a whole."""
        data = self.definition() | change.changes()
        data = BudgetDefinition.model_validate(data).model_dump() | {
            "budget_id": self.budget_id,
            "org_slug": self.org_slug,
            "version": self.version + 1,
            "created_at": self.created_at,
            "updated_at": now,
        }
        return Budget.model_validate(data)


def new_budget_id() -> str:
    return "bud_" + uuid.uuid4().hex[:16]
