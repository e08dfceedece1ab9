"""Each provider's own list prices (USD per 1M tokens) for the simulated models.

Real published list prices (standard tier, us regions, prompts <= 200k) as of late 2025, except
the models marked FICTIONAL: those stand for "a model the provider bills but a typical price
catalog does not know yet", so they get a plausible provider price.  Cost endpoints compute
cost = usage x these prices with Decimal arithmetic; each provider module rounds the way that
provider reports.  The model table doubles as the capability sheet (caching, audio, tiers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from provider_sim.dataset_types import CATEGORIES, Dims, Usage

MILLION = Decimal(1_000_000)
BATCH_DISCOUNT = Decimal("0.5")
AZURE_REGIONAL_UPLIFT = Decimal("1.1")  # Standard (regional) vs GlobalStandard deployments
AZURE_PTU_HOURLY_USD = Decimal("1")  # GlobalProvisionedManaged, per PTU-hour
ANTHROPIC_WEB_SEARCH_USD = Decimal("0.01")  # $10 per 1,000 searches


def _d(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


@dataclass(frozen=True)
class Rate:
    """USD per 1M tokens per disjoint category; None = the model has no such category."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    cache_write_5m: Decimal | None = None
    cache_write_1h: Decimal | None = None
    audio_input: Decimal | None = None
    audio_output: Decimal | None = None

    def scaled(self, factor: Decimal) -> Rate:
        def times(v: Decimal | None) -> Decimal | None:
            return None if v is None else v * factor

        return Rate(
            self.input * factor,
            self.output * factor,
            times(self.cached_input),
            times(self.cache_write_5m),
            times(self.cache_write_1h),
            times(self.audio_input),
            times(self.audio_output),
        )

    def per_category(self) -> dict[str, Decimal]:
        """Price per category; writes without their own price bill as input (OpenAI, Nova)."""
        return {
            "uncached_input": self.input,
            "cached_input": self.cached_input if self.cached_input is not None else self.input,
            "cache_write_5m": self.cache_write_5m if self.cache_write_5m is not None else self.input,
            "cache_write_1h": self.cache_write_1h if self.cache_write_1h is not None else self.input,
            "output": self.output,
            "audio_input": self.audio_input if self.audio_input is not None else self.input,
            "audio_output": self.audio_output if self.audio_output is not None else self.output,
        }


def rate(
    inp: str,
    out: str,
    cached: str | None = None,
    w5m: str | None = None,
    w1h: str | None = None,
    audio_in: str | None = None,
    audio_out: str | None = None,
) -> Rate:
    return Rate(Decimal(inp), Decimal(out), _d(cached), _d(w5m), _d(w1h), _d(audio_in), _d(audio_out))


@dataclass(frozen=True)
class ModelPrice:
    standard: Rate
    kind: str = "chat"  # chat | embedding
    long_context: Rate | None = None  # prompts above 200k tokens
    tiers: dict[str, Rate] = field(default_factory=dict)  # flex / priority where published
    batch: bool = True  # batch API available (50 % off)


_SONNET = rate("3", "15", "0.30", "3.75", "6")
_SONNET_LONG = rate("6", "22.50", "0.60", "7.50", "12")

PRICES: dict[str, dict[str, ModelPrice]] = {
    "openai": {
        "gpt-4o-2024-08-06": ModelPrice(rate("2.50", "10", "1.25"), tiers={"priority": rate("4.25", "17", "2.125")}),
        "gpt-4o-mini-2024-07-18": ModelPrice(rate("0.15", "0.60", "0.075")),
        "gpt-4.1-2025-04-14": ModelPrice(rate("2", "8", "0.50"), tiers={"priority": rate("3.50", "14", "0.875")}),
        "o4-mini-2025-04-16": ModelPrice(rate("1.10", "4.40", "0.275"), tiers={"flex": rate("0.55", "2.20", "0.1375")}),
        "gpt-5-2025-08-07": ModelPrice(
            rate("1.25", "10", "0.125"),
            tiers={"flex": rate("0.625", "5", "0.0625"), "priority": rate("2.50", "20", "0.25")},
        ),
        "gpt-4o-audio-preview-2024-12-17": ModelPrice(rate("2.50", "10", audio_in="40", audio_out="80"), batch=False),
        "ft:gpt-4o-mini-2024-07-18:acme::abc123": ModelPrice(rate("0.30", "1.20", "0.15")),
        "gpt-5.5-preview": ModelPrice(rate("5", "40", "0.50")),  # FICTIONAL
        "text-embedding-3-small": ModelPrice(rate("0.02", "0"), kind="embedding", batch=False),
        "text-embedding-3-large": ModelPrice(rate("0.13", "0"), kind="embedding", batch=False),
    },
    "anthropic": {
        "claude-opus-4-1-20250805": ModelPrice(rate("15", "75", "1.50", "18.75", "30")),
        "claude-sonnet-4-5-20250929": ModelPrice(_SONNET, long_context=_SONNET_LONG),
        "claude-sonnet-4-20250514": ModelPrice(_SONNET, long_context=_SONNET_LONG),
        "claude-3-7-sonnet-20250219": ModelPrice(_SONNET),
        "claude-haiku-4-5-20251001": ModelPrice(rate("1", "5", "0.10", "1.25", "2")),
        "claude-3-5-haiku-20241022": ModelPrice(rate("0.80", "4", "0.08", "1", "1.6")),
        "claude-sonnet-5-preview-20260301": ModelPrice(rate("4", "20", "0.40", "5", "8")),  # FICTIONAL
    },
    "azure": {  # model names as Azure deployments report them; GlobalStandard list prices
        "gpt-4o": ModelPrice(rate("2.50", "10", "1.25")),
        "gpt-4o-mini": ModelPrice(rate("0.15", "0.60", "0.075")),
        "gpt-4.1": ModelPrice(rate("2", "8", "0.50")),
        "o4-mini": ModelPrice(rate("1.10", "4.40", "0.275")),
        "text-embedding-3-large": ModelPrice(rate("0.13", "0"), kind="embedding", batch=False),
        "gpt-5.5-preview": ModelPrice(rate("5", "40", "0.50")),  # FICTIONAL
    },
    "bedrock": {
        "anthropic.claude-3-5-sonnet-20240620-v1:0": ModelPrice(rate("3", "15"), batch=False),
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0": ModelPrice(rate("3", "15", "0.30", "3.75"), batch=False),
        "anthropic.claude-3-5-haiku-20241022-v1:0": ModelPrice(rate("0.80", "4", "0.08", "1"), batch=False),
        "amazon.nova-pro-v1:0": ModelPrice(rate("0.80", "3.20", "0.20", "0"), batch=False),
        "amazon.nova-lite-v1:0": ModelPrice(rate("0.06", "0.24", "0.015", "0"), batch=False),
        "meta.llama3-1-70b-instruct-v1:0": ModelPrice(rate("0.72", "0.72"), batch=False),
        "us.amazon.nova-premier-preview-v1:0": ModelPrice(rate("2.50", "12.50"), batch=False),  # FICTIONAL
    },
    "vertex": {
        "gemini-2.5-pro": ModelPrice(rate("1.25", "10", "0.125"), long_context=rate("2.50", "15", "0.25"), batch=False),
        "gemini-2.5-flash": ModelPrice(rate("0.30", "2.50", "0.03"), batch=False),
        "gemini-2.5-flash-lite": ModelPrice(rate("0.10", "0.40", "0.01"), batch=False),
        "gemini-2.0-flash-001": ModelPrice(rate("0.15", "0.60", "0.0375"), batch=False),
        "claude-sonnet-4@20250514": ModelPrice(rate("3", "15", "0.30", "3.75"), batch=False),
        "gemini-embedding-001": ModelPrice(rate("0.15", "0"), kind="embedding", batch=False),
        "gemini-3.0-pro-preview-0917": ModelPrice(rate("2", "12", "0.20"), batch=False),  # FICTIONAL
    },
    "gemini": {
        "gemini-2.5-pro": ModelPrice(rate("1.25", "10", "0.125"), long_context=rate("2.50", "15", "0.25"), batch=False),
        "gemini-2.5-flash": ModelPrice(rate("0.30", "2.50", "0.03"), batch=False),
        "gemini-2.5-flash-lite": ModelPrice(rate("0.10", "0.40", "0.01"), batch=False),
        "gemini-2.0-flash": ModelPrice(rate("0.10", "0.40", "0.025"), batch=False),
        "gemini-2.0-flash-lite": ModelPrice(rate("0.075", "0.30"), batch=False),
        "gemini-embedding-001": ModelPrice(rate("0.15", "0"), kind="embedding", batch=False),
        "gemini-3-flash-preview-exp": ModelPrice(rate("0.50", "3", "0.05"), batch=False),  # FICTIONAL
    },
}


def effective_rate(provider: str, dims: Dims) -> Rate:
    """The rate sheet that applies to one usage row (tier, batch, long context, deployment)."""
    price = PRICES[provider][dims.model]
    base = price.standard
    if dims.traffic == "provisioned":
        return base.scaled(Decimal(0))  # covered by the commitment's hourly charge
    if dims.context_window == "200k-1M" and price.long_context is not None:
        base = price.long_context
    if dims.service_tier in price.tiers:
        base = price.tiers[dims.service_tier]
    if dims.batch:
        base = base.scaled(BATCH_DISCOUNT)
    if provider == "azure":
        if dims.service_tier.endswith("ProvisionedManaged"):
            return base.scaled(Decimal(0))  # tokens are covered by the hourly PTU charge
        if dims.service_tier == "Standard":
            return base.scaled(AZURE_REGIONAL_UPLIFT)
    return base


def line_costs(provider: str, dims: Dims, usage: Usage) -> dict[str, tuple[int, Decimal]]:
    """Per category: (quantity, exact USD).  Zero-quantity categories are omitted."""
    per_token = effective_rate(provider, dims).per_category()
    items: dict[str, tuple[int, Decimal]] = {}
    for category in CATEGORIES:
        quantity = getattr(usage, category)
        if quantity:
            items[category] = (quantity, per_token[category] * quantity / MILLION)
    if provider == "anthropic" and usage.web_search_requests:
        items["web_search"] = (usage.web_search_requests, ANTHROPIC_WEB_SEARCH_USD * usage.web_search_requests)
    return items


def total_cost(provider: str, dims: Dims, usage: Usage) -> Decimal:
    return sum((usd for _, usd in line_costs(provider, dims, usage).values()), Decimal(0))
