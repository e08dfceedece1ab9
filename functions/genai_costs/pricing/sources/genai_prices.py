"""The ``genai-prices`` package (pydantic's effective-dated price data) as catalog quotes.

genai-prices is asked the way its own ``calc_price`` asks it: ``find_provider_model(model_id,
provider_id=...)`` with its own matching rules (including its fallbacks: Azure to OpenAI, Google to
Anthropic for Claude on Vertex), then ``ModelInfo.get_prices(as_of)`` for the price valid on the sync
date. Its providers for ours: openai -> ``openai``, anthropic -> ``anthropic``, gemini and vertex_ai ->
``google``, azure_openai -> ``azure`` (Global deployment prices), aws_bedrock -> ``aws``.

Rates (per 1M tokens -> per 1,000, exact): ``input_mtok``, ``output_mtok`` (an input-only model, i.e.
an embedding model, gets output 0), ``cache_read_mtok``, ``cache_write_5m_mtok`` or else
``cache_write_mtok`` (the default 5-minute write), ``cache_write_1h_mtok``, ``input|output_audio_mtok``,
``web_searches_kcount`` (already per 1,000 requests). A ``TieredPrices`` input/output gives the base
rate and, from its first tier, the long-context threshold and rates (more tiers are noted). Variants:
``{"processing": "batch"}`` gives the batch rates, ``{"service_tier": "flex" | "priority"}`` the tier
keys' quotes. A variant's start date is when genai-prices started recording it, not a price change,
so only a conditional price's start date (``StartDateConstraint``) dates a quote.

Region-specific catalog keys get the region-independent quote, because genai-prices prices a model
the same in every region; except Azure, where the catalog's region is the deployment type and
genai-prices' prices are the Global deployment's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from importlib import metadata
from typing import Any

from ..rates import PriceKey, Quote, SourceName, canonical, per_1k_from_per_million, to_numeric

SOURCE: SourceName = "genai-prices"
PACKAGE = "genai-prices"
PROVIDER_IDS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "vertex_ai": "google",
    "azure_openai": "azure",
    "aws_bedrock": "aws",
}
# Where a catalog region is a deployment type, not a place, a region-independent price does not apply.
REGION_IS_DEPLOYMENT_TYPE = frozenset({"azure_openai"})
TIERS = ("flex", "priority")
# Model ids the Gemini API serves (genai-prices' google provider also lists Claude on Vertex AI).
_GEMINI_API_PREFIXES = ("gemini", "gemma", "text-embedding", "embedding")

_PER_MILLION = {
    "input_price_per_1k": "input_mtok",
    "output_price_per_1k": "output_mtok",
    "cached_input_price_per_1k": "cache_read_mtok",
    "cache_write_1h_price_per_1k": "cache_write_1h_mtok",
    "audio_input_price_per_1k": "input_audio_mtok",
    "audio_output_price_per_1k": "output_audio_mtok",
}
# base column -> its long-context column (from a TieredPrices' first tier)
_LONG_CONTEXT = {
    "input_price_per_1k": "long_context_input_price_per_1k",
    "output_price_per_1k": "long_context_output_price_per_1k",
}


@dataclass(frozen=True)
class GenAIPricesData:
    """genai-prices' provider list (``genai_prices.data.providers`` or a test's own) and its version."""

    version: str
    providers: list[Any]

    def provider(self, provider_id: str) -> Any | None:
        return next((p for p in self.providers if p.id == provider_id), None)


def load_bundled() -> GenAIPricesData:
    """The data bundled in the installed (pinned) package. Imported here: the module is large."""
    from genai_prices.data import providers

    return GenAIPricesData(version=metadata.version(PACKAGE), providers=list(providers))


class GenAIPricesSource:
    def __init__(self, data: GenAIPricesData, as_of: dt.date) -> None:
        self.data = data
        self.as_of = as_of
        self._when = dt.datetime.combine(as_of, dt.time(12), tzinfo=dt.UTC)
        self._cache: dict[tuple[str, str], Any | None] = {}

    def find(self, provider: str, model_id: str) -> Any | None:
        """genai-prices' model for one of our model ids, by its own matching rules."""
        gp_provider_id = PROVIDER_IDS.get(provider)
        if gp_provider_id is None:
            return None
        cache_key = (gp_provider_id, model_id.lower())
        if cache_key not in self._cache:
            gp_provider = self.data.provider(gp_provider_id)
            model = gp_provider.find_model(model_id, all_providers=self.data.providers) if gp_provider else None
            self._cache[cache_key] = model
        return self._cache[cache_key]

    def quote(self, key: PriceKey) -> Quote | None:
        if key.region is not None and key.provider in REGION_IS_DEPLOYMENT_TYPE:
            return None
        model = self.find(key.provider, key.model_id)
        if model is None:
            return None
        notes: list[str] = []
        rounded: set[str] = set()
        standard = model.get_prices(self._when)
        if key.service_tier is None:
            rates = _rates(standard, notes, rounded)
            batch = _variant(model, {"processing": "batch"}, self._when)
            if batch is not None:
                _put(rates, "batch_input_price_per_1k", _base(getattr(batch, "input_mtok", None)), rounded)
                _put(rates, "batch_output_price_per_1k", _base(getattr(batch, "output_mtok", None)), rounded)
        else:
            variant = _variant(model, {"service_tier": key.service_tier}, self._when)
            if variant is None:
                return None
            rates = {}
            for column in ("input_price_per_1k", "output_price_per_1k", "cached_input_price_per_1k"):
                _put(rates, column, _base(getattr(variant, _PER_MILLION[column], None)), rounded)
            if "input_price_per_1k" not in rates:
                return None
        if "input_price_per_1k" not in rates:
            return None
        if "output_price_per_1k" not in rates:
            rates["output_price_per_1k"] = Decimal(0)
            notes.append("genai-prices lists no output price (an input-only model): output 0")
        return Quote(
            source=SOURCE,
            version=self.data.version,
            key=key,
            rates=rates,
            source_ref=model.id,
            model_name=model.name,
            current=not model.deprecated,
            effective_from=_segment_start(model, self._when),
            rounded=tuple(sorted(rounded)),
            notes=tuple(notes),
        )

    def listed_model_ids(self, provider: str) -> Iterator[str]:
        """Ids genai-prices itself names for a provider: a model's own id when it matches it (the
        ``regional.*`` ids of Bedrock prices do not, so they are not offered as model ids)."""
        gp_provider = self.data.provider(PROVIDER_IDS.get(provider, ""))
        if gp_provider is None:
            return
        for model in gp_provider.models:
            if model.deprecated or not model.is_match(model.id):
                continue
            if provider == "gemini" and not model.id.startswith(_GEMINI_API_PREFIXES):
                continue
            yield model.id

    def tiers(self, provider: str, model_id: str) -> Iterable[str]:
        """Service tiers genai-prices prices for the provider's own model (not through a fallback:
        OpenAI's flex tier says nothing about Azure)."""
        model = self.find(provider, model_id)
        gp_provider = self.data.provider(PROVIDER_IDS.get(provider, ""))
        if model is None or gp_provider is None or not any(model is m for m in gp_provider.models):
            return ()
        return [t for t in TIERS if _variant(model, {"service_tier": t}, self._when) is not None]


def _base(price: Any) -> Decimal | None:
    if price is None:
        return None
    base = getattr(price, "base", price)
    return base if isinstance(base, Decimal) else None


def _put(rates: dict[str, Decimal], column: str, per_million: Decimal | None, rounded: set[str]) -> None:
    if per_million is None:
        return
    value, was_rounded = to_numeric(per_1k_from_per_million(per_million))
    rates[column] = canonical(value)
    if was_rounded:
        rounded.add(column)


def _rates(price: Any, notes: list[str], rounded: set[str]) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    for column, field in _PER_MILLION.items():
        _put(rates, column, _base(getattr(price, field, None)), rounded)
    write_5m = getattr(price, "cache_write_5m_mtok", None)
    if write_5m is None:
        write_5m = getattr(price, "cache_write_mtok", None)
    _put(rates, "cache_write_5m_price_per_1k", _base(write_5m), rounded)
    web = getattr(price, "web_searches_kcount", None)
    if _base(web) is not None:
        value, was_rounded = to_numeric(_base(web))  # type: ignore[arg-type]  # checked just above
        rates["web_search_price_per_1k_requests"] = canonical(value)
        if was_rounded:
            rounded.add("web_search_price_per_1k_requests")
    threshold: int | None = None
    for column, long_column in _LONG_CONTEXT.items():
        tiered = getattr(price, _PER_MILLION[column], None)
        tiers = getattr(tiered, "tiers", None)
        if not tiers:
            continue
        if threshold is None:
            threshold = int(tiers[0].start)
        if int(tiers[0].start) != threshold:
            notes.append(f"{column}: long-context threshold {tiers[0].start} differs from {threshold}")
            continue
        _put(rates, long_column, tiers[0].price, rounded)
        if len(tiers) > 1:
            notes.append(f"{column}: {len(tiers)} long-context tiers; only the first fits the catalog")
    if threshold is not None:
        rates["long_context_threshold_tokens"] = Decimal(threshold)
    for column, field in (
        ("cached_input_price_per_1k", "cache_read_mtok"),
        ("cache_write_5m_price_per_1k", "cache_write_mtok"),
    ):
        if getattr(getattr(price, field, None), "tiers", None):
            notes.append(f"{column}: a long-context rate too, which the catalog has no column for")
    return rates


def _variant(model: Any, when: dict[str, str], at: dt.datetime) -> Any | None:
    """The first active variant for exactly this context (genai-prices resolves first to last)."""
    for variant in model.price_variants or ():
        if variant.when != when:
            continue
        if variant.constraint is not None and not variant.constraint.active(at):
            continue
        if not any(v is not None for v in variant.prices.__dict__.values()):
            continue  # {"service_tier": "default"} carries no prices
        return variant.prices
    return None


def _segment_start(model: Any, at: dt.datetime) -> dt.date | None:
    """Start date of the conditional price active at ``at`` (None: genai-prices gives no date)."""
    prices = model.prices
    if not isinstance(prices, list):
        return None
    for conditional in reversed(prices):
        constraint = conditional.constraint
        if constraint is None:
            return None
        if constraint.active(at):
            return getattr(constraint, "start_date", None)
    return None
