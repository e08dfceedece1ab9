"""What a custom price row or a subscription row may contain, checked before anything is written.

Field rules live on the pydantic models (types, the seed document's allowed values, non-negative money
with at most 9 decimals, text shapes); rules between fields and against stored rows are checked on the
row as it would be written (after a PATCH is merged), so create, replace and patch obey the same rules:

- ``pricing_type``: standard, free_tier, volume_discount, committed_use, promotional, negotiated;
  ``discount_reason``: volume, commitment, promotion, negotiated, trial; ``free_tier_reset_frequency``:
  daily, monthly, never; ``tier_type``: free, trial, paid, enterprise, committed_use;
- prices, token counts and limits are non-negative; ``discount_percentage`` is 0-100 and needs a reason;
- ``effective_date <= end_date`` (both inclusive); trial and commitment dates likewise;
- a free tier names its reset frequency and an allowance; a volume discount its threshold; long-context
  rates their threshold; a reference (base) price is not below the price it was discounted to;
- currency is USD (the engine does not convert currencies, so anything else would be summed wrongly);
- no two enabled rows of the same key (provider, model, region, tier, is_custom for prices; provider,
  plan, is_custom for subscriptions) are valid on the same day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConflictError, ValidationError
from ..providers.ids import CommitmentType

PricingType = Literal["standard", "free_tier", "volume_discount", "committed_use", "promotional", "negotiated"]
TierType = Literal["free", "trial", "paid", "enterprise", "committed_use"]
DiscountReason = Literal["volume", "commitment", "promotion", "negotiated", "trial"]
ResetFrequency = Literal["daily", "monthly", "never"]
AuthType = Literal["api_key", "service_account", "oauth"]
HOURS_PER_MONTH = Decimal(730)  # Azure's hours per month, as in the seed (unit_price_usd = hourly x 730)

Money = Annotated[Decimal, Field(ge=0, max_digits=38, decimal_places=9, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=2**63 - 1)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=12, decimal_places=9, allow_inf_nan=False)]
ModelId = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\s\x00-\x1f]+$")]
Label = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PriceFields(_Fields):
    """Every llm_model_pricing field a user sets (all optional here: a PATCH names what changes)."""

    model_id: ModelId | None = Field(None, description="Model id as the provider reports it in usage data")
    model_name: Text | None = None
    region: Label | None = Field(None, description="NULL: every region (Azure: Global deployment)")
    service_tier: Label | None = Field(None, description="NULL: the default tier")
    input_price_per_1k: Money | None = None
    output_price_per_1k: Money | None = None
    effective_date: dt.date | None = None
    end_date: dt.date | None = None
    is_enabled: bool | None = None
    pricing_type: PricingType | None = None
    free_tier_input_tokens: Count | None = None
    free_tier_output_tokens: Count | None = None
    free_tier_reset_frequency: ResetFrequency | None = None
    discount_percentage: Percent | None = None
    discount_reason: DiscountReason | None = None
    volume_threshold_tokens: Count | None = None
    base_input_price_per_1k: Money | None = None
    base_output_price_per_1k: Money | None = None
    cached_input_price_per_1k: Money | None = None
    cache_write_5m_price_per_1k: Money | None = None
    cache_write_1h_price_per_1k: Money | None = None
    batch_input_price_per_1k: Money | None = None
    batch_output_price_per_1k: Money | None = None
    long_context_threshold_tokens: Annotated[int, Field(gt=0, le=2**63 - 1)] | None = None
    long_context_input_price_per_1k: Money | None = None
    long_context_output_price_per_1k: Money | None = None
    audio_input_price_per_1k: Money | None = None
    audio_output_price_per_1k: Money | None = None
    web_search_price_per_1k_requests: Money | None = None
    x_gemini_context_window: Label | None = None
    x_gemini_region: Label | None = None
    x_anthropic_tier: Label | None = None
    currency: Literal["USD"] | None = None
    price_source: Text | None = Field(None, description="Where the price comes from, e.g. a contract reference")


class SubscriptionFields(_Fields):
    """Every llm_subscriptions field a user sets (all optional here: a PATCH names what changes)."""

    plan_name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9 ._:/-]+$")] | None = None
    quantity: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    unit_price_usd: Money | None = None
    effective_date: dt.date | None = None
    end_date: dt.date | None = None
    is_enabled: bool | None = None
    auth_type: AuthType | None = None
    tier_type: TierType | None = None
    trial_end_date: dt.date | None = None
    trial_credit_usd: Money | None = None
    rpm_limit: Count | None = None
    tpm_limit: Count | None = None
    rpd_limit: Count | None = None
    tpd_limit: Count | None = None
    concurrent_limit: Count | None = None
    monthly_token_limit: Count | None = None
    daily_token_limit: Count | None = None
    committed_spend_usd: Money | None = None
    commitment_term_months: Annotated[int, Field(ge=1, le=1200)] | None = None
    discount_percentage: Percent | None = None
    commitment_type: CommitmentType | None = None
    model_id: ModelId | None = None
    region: Label | None = None
    commitment_units: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    unit_hourly_price_usd: Money | None = None
    commitment_start_date: dt.date | None = None
    commitment_end_date: dt.date | None = None
    currency: Literal["USD"] | None = None


PRICE_REQUIRED = ("model_id", "input_price_per_1k", "output_price_per_1k", "effective_date", "pricing_type")
SUBSCRIPTION_REQUIRED = ("plan_name", "unit_price_usd", "effective_date", "tier_type")


def require(row: Mapping[str, Any], fields: Iterable[str], what: str) -> None:
    missing = [f for f in fields if row.get(f) is None]
    if missing:
        raise ValidationError(f"{what}: {', '.join(missing)} required")


def _dates(row: Mapping[str, Any], start: str, end: str) -> None:
    if row.get(start) is not None and row.get(end) is not None and row[start] > row[end]:
        raise ValidationError(f"{start} {row[start]} is after {end} {row[end]} (both days are inclusive)")


def check_price_row(row: Mapping[str, Any]) -> None:
    """The rules between a price row's fields (raises ValidationError naming the first broken rule)."""
    require(row, PRICE_REQUIRED, "a price row")
    _dates(row, "effective_date", "end_date")
    if row.get("currency") not in (None, "USD"):
        raise ValidationError("currency must be USD: the cost engine does not convert currencies")
    free = row.get("free_tier_input_tokens") is not None or row.get("free_tier_output_tokens") is not None
    if free and row.get("free_tier_reset_frequency") is None:
        raise ValidationError("a free allowance needs free_tier_reset_frequency (daily, monthly or never)")
    if row.get("free_tier_reset_frequency") is not None and not free:
        raise ValidationError("free_tier_reset_frequency needs free_tier_input_tokens or free_tier_output_tokens")
    if row["pricing_type"] == "free_tier" and not free:
        raise ValidationError("pricing_type free_tier needs a free allowance (free_tier_input_tokens / _output_tokens)")
    if row["pricing_type"] == "volume_discount" and row.get("volume_threshold_tokens") is None:
        raise ValidationError("pricing_type volume_discount needs volume_threshold_tokens")
    if row.get("discount_percentage") is not None and row.get("discount_reason") is None:
        raise ValidationError("discount_percentage needs a discount_reason (volume, commitment, promotion, ...)")
    for side in ("input", "output"):
        base, price = row.get(f"base_{side}_price_per_1k"), row.get(f"{side}_price_per_1k")
        if base is not None and price is not None and base < price:
            raise ValidationError(f"base_{side}_price_per_1k {base} is below {side}_price_per_1k {price}")
    long_rates = [row.get("long_context_input_price_per_1k"), row.get("long_context_output_price_per_1k")]
    if any(r is not None for r in long_rates) != (row.get("long_context_threshold_tokens") is not None):
        raise ValidationError(
            "long-context rates and long_context_threshold_tokens go together (the rates apply above the threshold)"
        )


def check_subscription_row(row: Mapping[str, Any]) -> None:
    require(row, SUBSCRIPTION_REQUIRED, "a subscription row")
    _dates(row, "effective_date", "end_date")
    _dates(row, "commitment_start_date", "commitment_end_date")
    if row.get("trial_end_date") is not None and row["trial_end_date"] < row["effective_date"]:
        raise ValidationError(
            f"trial_end_date {row['trial_end_date']} is before effective_date {row['effective_date']}"
        )
    if row.get("currency") not in (None, "USD"):
        raise ValidationError("currency must be USD: the cost engine does not convert currencies")
    if row["tier_type"] == "trial" and row.get("trial_end_date") is None and row.get("trial_credit_usd") is None:
        raise ValidationError("tier_type trial needs trial_end_date or trial_credit_usd")
    if (
        row["tier_type"] == "committed_use"
        and row.get("commitment_term_months") is None
        and not row.get("commitment_type")
    ):
        raise ValidationError("tier_type committed_use needs commitment_term_months or commitment_type")
    if row.get("commitment_type") is not None and row.get("commitment_units") is None:
        raise ValidationError(f"commitment_type {row['commitment_type']} needs commitment_units")
    hourly = row.get("unit_hourly_price_usd")
    if hourly is not None and row["unit_price_usd"] != hourly * HOURS_PER_MONTH:
        raise ValidationError(
            f"unit_price_usd must be unit_hourly_price_usd x 730 = {hourly * HOURS_PER_MONTH} for an hourly price"
        )


def _overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    far = dt.date.max
    return bool(a["effective_date"] <= (b["end_date"] or far) and b["effective_date"] <= (a["end_date"] or far))


def check_no_overlap(
    row: Mapping[str, Any], others: Iterable[Mapping[str, Any]], key_fields: tuple[str, ...], id_field: str
) -> None:
    """No other enabled row with the same key is valid on any day this (enabled) row is."""
    if not row.get("is_enabled", True):
        return
    for other in others:
        if other[id_field] == row[id_field] or not other["is_enabled"]:
            continue
        if all(other[f] == row[f] for f in key_fields) and _overlaps(row, other):
            until = other["end_date"] or "open-ended"
            raise ConflictError(
                f"overlaps {id_field} {other[id_field]} ({other['effective_date']} to {until}) for the same "
                f"{', '.join(key_fields)}: end that row first (PATCH its end_date) or choose dates that do not overlap"
            )
