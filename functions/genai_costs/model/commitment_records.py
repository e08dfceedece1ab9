"""Normalized records of the commitment and infrastructure flows.

``CapacityHour``  one commitment during one UTC hour it was active: what was bought
                  (``provisioned_units`` x ``active_fraction`` unit-hours), how much of it was used
                  (``utilization``, 0..1 of the capacity available in the active part of the hour;
                  None when unknown) and what one unit-hour costs. Derived quantities:

                      provisioned unit-hours = provisioned_units x active_fraction
                      used unit-hours        = provisioned unit-hours x utilization
                      unused unit-hours      = provisioned unit-hours x (1 - utilization)
                      committed cost (USD)   = provisioned unit-hours x hourly_unit_price_usd

``GpuHour``       one endpoint x deployed model x accelerator type during one UTC hour:
                  replica-hours, GPU-hours, the GPU-hour rate and the billed cost attributed to it.

All quantities are ``Decimal`` rounded to 9 fractional digits (BigQuery NUMERIC).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NUMERIC = Decimal("0.000000001")
HOUR = timedelta(hours=1)
CommitmentKind = Literal["azure_ptu", "bedrock_pt", "vertex_gsu"]
CapacityUnit = Literal["PTU", "Model Units", "GSU"]
PriceSource = Literal["azure_retail_prices", "provider_api", "llm_subscriptions"]
TermsSource = Literal["provider_api", "llm_subscriptions"]


def numeric(value: Decimal | int | float | str) -> Decimal:
    """Exact decimal rounded to BigQuery NUMERIC's 9 fractional digits."""
    return Decimal(str(value)).quantize(NUMERIC, rounding=ROUND_HALF_EVEN)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return value.astimezone(UTC)


def hour_floor(moment: datetime) -> datetime:
    moment = _utc(moment)
    return moment.replace(minute=0, second=0, microsecond=0)


def active_seconds(hour_start: datetime, start: datetime | None, end: datetime | None) -> int:
    """Seconds of [hour_start, hour_start + 1 h) inside [start, end) (None = unbounded)."""
    lo = hour_start if start is None else max(hour_start, start)
    hi = hour_start + HOUR if end is None else min(hour_start + HOUR, end)
    return max(0, int((hi - lo).total_seconds()))


def active_fraction(hour_start: datetime, start: datetime | None, end: datetime | None) -> Decimal:
    """Share of the hour the commitment was active, to the second: seconds / 3600 (NUMERIC)."""
    return numeric(Decimal(active_seconds(hour_start, start, end)) / 3600)


def _digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]


class _Hourly(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    source: str
    hour_start: datetime
    # Defaults to the UTC date of hour_start (already validated: pydantic validates in field order).
    usage_date: date = Field(default_factory=lambda data: data["hour_start"].date())
    region: str | None = None
    model: str | None = None

    @field_validator("hour_start")
    @classmethod
    def _whole_utc_hour(cls, value: datetime) -> datetime:
        value = _utc(value)
        if value != hour_floor(value):
            raise ValueError(f"hour_start {value.isoformat()} is not the start of a UTC hour")
        return value

    @model_validator(mode="after")
    def _date(self) -> Self:
        if self.usage_date != self.hour_start.date():
            raise ValueError(f"usage_date {self.usage_date} is not the UTC date of hour_start {self.hour_start}")
        return self


class CapacityHour(_Hourly):
    """One commitment during one UTC hour (see the module docstring)."""

    commitment_type: CommitmentKind
    commitment_id: str
    commitment_name: str | None = None
    active_fraction: Decimal = Field(gt=0, le=1)
    provisioned_units: Decimal = Field(ge=0)
    capacity_unit: CapacityUnit
    utilization: Decimal | None = Field(default=None, ge=0, le=1)
    hourly_unit_price_usd: Decimal | None = Field(default=None, ge=0)
    price_source: PriceSource | None = None
    term: str | None = None
    commitment_start: datetime | None = None
    commitment_end: datetime | None = None
    terms_source: TermsSource

    @field_validator("active_fraction", "provisioned_units", "utilization", "hourly_unit_price_usd", mode="before")
    @classmethod
    def _numeric(cls, value: Any) -> Any:
        return None if value is None else numeric(value)

    @field_validator("commitment_start", "commitment_end")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _utc(value)

    def record_id(self) -> str:
        return _digest(
            {
                "provider": self.provider,
                "commitment_type": self.commitment_type,
                "commitment_id": self.commitment_id,
                "hour_start": self.hour_start.isoformat(),
            }
        )

    @property
    def provisioned_unit_hours(self) -> Decimal:
        return self.provisioned_units * self.active_fraction

    @property
    def used_unit_hours(self) -> Decimal | None:
        return None if self.utilization is None else self.provisioned_unit_hours * self.utilization

    @property
    def unused_unit_hours(self) -> Decimal | None:
        return None if self.utilization is None else self.provisioned_unit_hours * (1 - self.utilization)


class GpuHour(_Hourly):
    """GPU serving of one deployed model on one endpoint during one UTC hour."""

    endpoint_id: str
    deployed_model_id: str
    accelerator_type: str
    accelerator_count: int = Field(ge=0)  # per replica
    replica_hours: Decimal = Field(ge=0)
    gpu_hours: Decimal = Field(ge=0)
    hourly_rate_usd: Decimal | None = Field(default=None, ge=0)  # per GPU-hour
    sku_id: str | None = None
    sku_description: str | None = None
    provider_cost_usd: Decimal | None = None

    @field_validator("replica_hours", "gpu_hours", "hourly_rate_usd", "provider_cost_usd", mode="before")
    @classmethod
    def _numeric(cls, value: Any) -> Any:
        return None if value is None else numeric(value)

    def record_id(self) -> str:
        return _digest(
            {
                "provider": self.provider,
                "endpoint_id": self.endpoint_id,
                "deployed_model_id": self.deployed_model_id,
                "accelerator_type": self.accelerator_type,
                "hour_start": self.hour_start.isoformat(),
            }
        )
