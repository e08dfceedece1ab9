"""Normalized records every provider client yields.

``UsageRecord``  one bucket of token usage, split into DISJOINT billable categories:

    input_uncached_tokens   text/image/other input, excluding cache reads, cache writes and audio
    input_cached_tokens     cache reads
    cache_write_5m_tokens   cache writes with a 5-minute TTL (or an unknown TTL, see the source module)
    cache_write_1h_tokens   cache writes with a 1-hour TTL
    input_audio_tokens      uncached audio input
    output_tokens           output incl. reasoning/thinking, excluding audio output
    output_audio_tokens     audio output

``provider_total_tokens`` is the provider's own total for the record, taken from the provider's own
total fields (e.g. OpenAI ``input_tokens + output_tokens``), never from our categories. The
invariant "categories sum to provider_total_tokens, none negative" is *checked*, never enforced:
the numbers are stored exactly as derived from the provider so that ``invariant_violation()`` can
tell the ingestion runner to quarantine the row. For that reason the category fields accept
negative integers (a derived category can come out negative when the provider's numbers disagree).

``CostRecord``   money the provider itself reports (cost APIs, billing exports), in major units.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BucketWidth = Literal["1m", "1h", "1d"]

TOKEN_CATEGORIES: tuple[str, ...] = (
    "input_uncached_tokens",
    "input_cached_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "output_tokens",
    "output_audio_tokens",
)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("bucket_start must be timezone-aware (UTC)")
    return value.astimezone(UTC)


class UsageRecord(BaseModel):
    """One usage bucket for one combination of dimensions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    source: str
    bucket_start: datetime
    bucket_width: BucketWidth
    # Defaults to the UTC date of bucket_start (already validated: pydantic validates in field order).
    usage_date: date = Field(default_factory=lambda data: data["bucket_start"].date())
    model: str | None = None
    region: str | None = None
    service_tier: str | None = None
    is_batch: bool | None = None  # None: the source cannot tell batch from online usage
    project_id: str | None = None  # OpenAI project / Anthropic workspace / GCP project / Azure account
    api_key_id: str | None = None
    deployment: str | None = None  # Azure deployment name
    context_window: str | None = None  # Anthropic "0-200k" / "200k-1M"

    input_uncached_tokens: int = 0
    input_cached_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    input_audio_tokens: int = 0
    output_tokens: int = 0
    output_audio_tokens: int = 0

    requests: int | None = None
    web_search_requests: int | None = None
    provider_total_tokens: int

    @field_validator("bucket_start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return _as_utc(value)

    @model_validator(mode="after")
    def _date_matches(self) -> UsageRecord:
        if self.usage_date != self.bucket_start.date():
            raise ValueError(f"usage_date {self.usage_date} is not the UTC date of bucket_start {self.bucket_start}")
        return self

    def category_sum(self) -> int:
        return sum(getattr(self, name) for name in TOKEN_CATEGORIES)

    def invariant_violation(self) -> str | None:
        """Why this record must be quarantined, or None when it is consistent."""
        negative = [f"{n}={getattr(self, n)}" for n in TOKEN_CATEGORIES if getattr(self, n) < 0]
        if self.provider_total_tokens < 0:
            negative.append(f"provider_total_tokens={self.provider_total_tokens}")
        for name in ("requests", "web_search_requests"):
            value = getattr(self, name)
            if value is not None and value < 0:
                negative.append(f"{name}={value}")
        if negative:
            return "negative token counts: " + ", ".join(negative)
        total = self.category_sum()
        if total != self.provider_total_tokens:
            return (
                f"token categories sum to {total} but the provider reports "
                f"{self.provider_total_tokens} (difference {total - self.provider_total_tokens})"
            )
        return None


class CostRecord(BaseModel):
    """Money a provider reports for one day and line item, in major currency units."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    source: str
    usage_date: date
    model: str | None = None
    project_id: str | None = None
    line_item: str | None = None  # provider's line item / description / usage type / SKU / meter
    token_type: str | None = None
    service_tier: str | None = None
    amount: Decimal
    currency: str
    is_estimated: bool = False

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        value = value.strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise ValueError(f"currency {value!r} is not an ISO 4217 code")
        return value

    @field_validator("amount")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("amount must be finite")
        return value
