"""What an alert says: the immutable snapshot the alert ledger stores and every channel renders.

Two families share one shape:

    budget alerts       a threshold of a budget crossed on actual or on forecast spend, with the
                        budget, its scope, the period, spend, forecast, utilization, the days whose
                        spend is still an estimate and the top contributors
    operational alerts  usage that cannot be priced, a source gone stale, a failed run

Money is exact ``Decimal`` (USD, at most 9 decimals, like NUMERIC in the warehouse); JSON carries
it as strings so no consumer ever sees a float. ``alert_id`` is stable: derive it from the ledger
key with :func:`stable_alert_id` so re-evaluating the same crossing gives the same id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, computed_field, model_validator

Money = Annotated[Decimal, Field(max_digits=38, decimal_places=9, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=9, allow_inf_nan=False)]
AlertId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]


class AlertKind(StrEnum):
    BUDGET_ACTUAL = "budget_threshold_actual"  # spend to date crossed the threshold
    BUDGET_FORECAST = "budget_threshold_forecast"  # spend forecast to the period's end crosses it
    UNPRICED_USAGE = "unpriced_usage"
    SOURCE_STALE = "source_stale"
    RUN_FAILED = "run_failed"

    @property
    def is_budget(self) -> bool:
        return self in (AlertKind.BUDGET_ACTUAL, AlertKind.BUDGET_FORECAST)


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


def _check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name[:60]!r}") from exc
    return name


def _check_aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps must carry a time zone")
    return value.astimezone(dt.UTC)


TimeZoneName = Annotated[str, AfterValidator(_check_time_zone)]
UtcDatetime = Annotated[dt.datetime, AfterValidator(_check_aware)]


class _Frozen(BaseModel):
    # extra="ignore": a stored snapshot also carries the computed utilization fields; reading it
    # back recomputes them from the figures instead of trusting the stored copies.
    model_config = ConfigDict(frozen=True, extra="ignore")


class AlertScope(_Frozen):
    """Which spend a budget watches; every field left empty means the whole organization."""

    tenant: str | None = None
    user: str | None = None
    service: str | None = None
    workflow: str | None = None
    provider: str | None = None
    model: str | None = None
    project: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    def parts(self) -> list[tuple[str, str]]:
        """(dimension, value) pairs in a fixed order; empty for the whole organization."""
        named = [
            (name, value)
            for name in ("tenant", "user", "service", "workflow", "provider", "model", "project")
            if (value := getattr(self, name)) is not None
        ]
        return named + [(f"tag {key}", value) for key, value in sorted(self.tags.items())]


class AlertPeriod(_Frozen):
    """The budget period: calendar days [start, end) in the budget's own IANA time zone."""

    start: dt.date
    end: dt.date  # exclusive
    time_zone: TimeZoneName = "UTC"

    @model_validator(mode="after")
    def _ordered(self) -> AlertPeriod:
        if self.end <= self.start:
            raise ValueError("period end must be after its start (end is exclusive)")
        return self

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


class AlertBudget(_Frozen):
    budget_id: ShortText
    name: ShortText
    scope: AlertScope = Field(default_factory=AlertScope)
    amount: Money = Field(gt=0)


class Forecast(_Frozen):
    """Spend expected at the period's end, with a band (low <= expected <= high)."""

    expected: Money = Field(ge=0)
    low: Money = Field(ge=0)
    high: Money = Field(ge=0)

    @model_validator(mode="after")
    def _band(self) -> Forecast:
        if not self.low <= self.expected <= self.high:
            raise ValueError("forecast band must satisfy low <= expected <= high")
        return self


class Contributor(_Frozen):
    name: ShortText
    amount: Money


class TopContributors(_Frozen):
    tenants: list[Contributor] = Field(default_factory=list, max_length=20)
    users: list[Contributor] = Field(default_factory=list, max_length=20)
    models: list[Contributor] = Field(default_factory=list, max_length=20)

    def groups(self) -> list[tuple[str, list[Contributor]]]:
        named = (("Tenants", self.tenants), ("Users", self.users), ("Models", self.models))
        return [(label, items) for label, items in named if items]


class BudgetFacts(_Frozen):
    """The figures of a budget alert at evaluation time."""

    budget: AlertBudget
    period: AlertPeriod
    threshold_percent: Percent = Field(gt=0)
    spend_to_date: Money = Field(ge=0)
    forecast: Forecast | None = None
    estimated_days: list[dt.date] = Field(default_factory=list)  # spend for these days is not yet billed
    top: TopContributors = Field(default_factory=TopContributors)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def utilization_percent(self) -> Decimal:
        return _percent(self.spend_to_date, self.budget.amount)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def forecast_utilization_percent(self) -> Decimal | None:
        return _percent(self.forecast.expected, self.budget.amount) if self.forecast else None

    @model_validator(mode="after")
    def _days_in_period(self) -> BudgetFacts:
        outside = [d for d in self.estimated_days if not self.period.start <= d < self.period.end]
        if outside:
            raise ValueError(f"estimated days outside the period: {', '.join(map(str, outside[:3]))}")
        return self


class OperationalFacts(_Frozen):
    """What went wrong for an operational alert, in words and the few ids needed to find it."""

    summary: ShortText
    source: str | None = None  # provider or flow, e.g. "openai" or "payg/openai"
    run_id: str | None = None
    last_success_at: UtcDatetime | None = None
    unpriced_models: list[str] = Field(default_factory=list, max_length=50)


class WhereToLook(_Frozen):
    url: AnyHttpUrl | None = None  # console or report link
    hint: Annotated[str, Field(max_length=300)] | None = None  # e.g. the view and filter to query


class Alert(_Frozen):
    alert_id: AlertId
    kind: AlertKind
    org_slug: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{2,29}$")]  # the rule of genai_costs.orgs
    evaluated_at: UtcDatetime
    currency: Literal["USD"] = "USD"
    budget: BudgetFacts | None = None
    operational: OperationalFacts | None = None
    where_to_look: WhereToLook = Field(default_factory=WhereToLook)

    @model_validator(mode="after")
    def _facts_match_kind(self) -> Alert:
        if self.kind.is_budget and (self.budget is None or self.operational is not None):
            raise ValueError(f"a {self.kind.value} alert carries budget facts and no operational facts")
        if not self.kind.is_budget and (self.operational is None or self.budget is not None):
            raise ValueError(f"a {self.kind.value} alert carries operational facts and no budget facts")
        if self.kind is AlertKind.BUDGET_FORECAST and self.budget is not None and self.budget.forecast is None:
            raise ValueError("a forecast-basis alert needs the forecast")
        return self

    @property
    def severity(self) -> Severity:
        if self.kind is AlertKind.RUN_FAILED:
            return Severity.CRITICAL
        if self.budget is not None and self.budget.threshold_percent >= 100:
            return Severity.CRITICAL
        return Severity.WARNING

    @property
    def event_type(self) -> str:
        """The ``type`` of the JSON envelope webhooks and Pub/Sub subscribers receive."""
        return f"genai_costs.alert.{self.kind.value}"


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    # Rounded down: 99.996 % of a budget must never read as "100 %" of it.
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def stable_alert_id(org_slug: str, kind: AlertKind, *key: object) -> str:
    """The same ledger key always gives the same id, e.g. (budget id, period start, threshold)."""
    material = "\x1f".join([org_slug, kind.value, *(str(part) for part in key)])
    return "alr_" + hashlib.sha256(material.encode()).hexdigest()[:32]
