"""LiteLLM's price data file (``model_prices_and_context_window.json``) as catalog quotes.

How LiteLLM's entries map to the catalog (only ``mode`` chat, responses and embedding; other modes
price images, audio seconds or pages, which the catalog does not model):

| ``litellm_provider`` | key | catalog key |
|---|---|---|
| ``openai`` | ``gpt-4o`` | (openai, gpt-4o); keys with ``/`` are image sizes, skipped |
| ``anthropic`` | ``claude-sonnet-4-5-20250929`` | (anthropic, same) |
| ``gemini`` | ``gemini/gemini-2.5-pro`` | (gemini, gemini-2.5-pro) |
| ``vertex_ai`` and ``vertex_ai-*`` | ``[vertex_ai/][publisher/]model[@default]`` | (vertex_ai, model): Cloud Monitoring reports the publisher model id without the publisher path; ``@default`` is LiteLLM's alias for the unversioned id |
| ``azure`` | ``azure/model``, ``azure/global[-standard]/model`` | (azure_openai, model): Global deployment (region NULL) |
| ``azure`` | ``azure/us/model``, ``azure/eu/model`` | (azure_openai, model, us / eu): Data Zone deployments |
| ``bedrock``, ``bedrock_converse`` | ``model`` (incl. ``us.``/``eu.``/``global.`` inference profiles) | (aws_bedrock, model) |
| ``bedrock``, ``bedrock_converse`` | ``bedrock/<aws-region>/model`` | (aws_bedrock, model, aws-region) |

Skipped, with the reason: ``azure_ai`` (Azure AI Foundry models are not the Azure OpenAI service),
``azure/us-gov|apac/...`` (no such Azure OpenAI deployment type in the catalog), ``bedrock/invoke|converse|
claude_platform/...`` and ``.../<n>-month-commitment/...`` (API routes and provisioned-throughput terms,
not model ids), ``bedrock_mantle`` (an OpenAI-compatible gateway, not Bedrock model ids).

Rates (per token -> per 1,000 tokens, exact): ``input_cost_per_token``, ``output_cost_per_token``,
``cache_read_input_token_cost``, ``cache_creation_input_token_cost`` (the default 5-minute write),
``cache_creation_input_token_cost_above_1hr``, ``*_batches``, ``*_above_<N>k_tokens`` (long context,
threshold N x 1000), ``input|output_cost_per_audio_token``; ``search_context_cost_per_query`` x 1000 as
web search per 1,000 requests when it does not depend on the search context size. ``*_flex`` and
``*_priority`` give the quotes of the flex and priority tier keys. When several keys map to one catalog
key (``gemini-3.5-flash`` and ``vertex_ai/gemini-3.5-flash``), their rates are merged; a rate they
disagree on is left out and noted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..litellm_data import LiteLLMData
from ..rates import PriceKey, Quote, SourceName, canonical, per_1k_from_per_token, to_numeric

SOURCE: SourceName = "litellm"
MODES = frozenset({"chat", "responses", "embedding"})
TIERS = ("flex", "priority")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_LONG_CONTEXT = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
_AZURE_GLOBAL = frozenset({"global", "global-standard"})
_AZURE_DATA_ZONES = frozenset({"us", "eu"})

# catalog column -> LiteLLM field (per token)
_TOKEN_RATES = {
    "input_price_per_1k": "input_cost_per_token",
    "output_price_per_1k": "output_cost_per_token",
    "cached_input_price_per_1k": "cache_read_input_token_cost",
    "cache_write_5m_price_per_1k": "cache_creation_input_token_cost",
    "cache_write_1h_price_per_1k": "cache_creation_input_token_cost_above_1hr",
    "batch_input_price_per_1k": "input_cost_per_token_batches",
    "batch_output_price_per_1k": "output_cost_per_token_batches",
    "audio_input_price_per_1k": "input_cost_per_audio_token",
    "audio_output_price_per_1k": "output_cost_per_audio_token",
}
_TIER_RATES = {
    "input_price_per_1k": "input_cost_per_token_{tier}",
    "output_price_per_1k": "output_cost_per_token_{tier}",
    "cached_input_price_per_1k": "cache_read_input_token_cost_{tier}",
}


def catalog_key(litellm_key: str, entry: Mapping[str, Any]) -> PriceKey | None:
    """The catalog key a LiteLLM entry prices, or None when it is out of scope (see module doc)."""
    provider = str(entry.get("litellm_provider") or "")
    parts = litellm_key.split("/")
    if provider in ("openai", "anthropic"):
        return PriceKey(provider, litellm_key) if len(parts) == 1 else None
    if provider == "gemini":
        return PriceKey("gemini", parts[1]) if len(parts) == 2 and parts[0] == "gemini" else None
    if provider == "vertex_ai" or provider.startswith("vertex_ai-"):
        model = parts[-1].removesuffix("@default")
        return PriceKey("vertex_ai", model) if model else None
    if provider == "azure":
        if parts[0] != "azure":
            return None
        if len(parts) == 2:
            return PriceKey("azure_openai", parts[1])
        if len(parts) == 3 and parts[1] in _AZURE_GLOBAL:
            return PriceKey("azure_openai", parts[2])
        if len(parts) == 3 and parts[1] in _AZURE_DATA_ZONES:
            return PriceKey("azure_openai", parts[2], parts[1])
        return None
    if provider in ("bedrock", "bedrock_converse"):
        if len(parts) == 1:
            return PriceKey("aws_bedrock", litellm_key)
        if len(parts) == 3 and parts[0] == "bedrock" and _AWS_REGION.match(parts[1]):
            return PriceKey("aws_bedrock", parts[2], parts[1])
        return None
    return None


@dataclass
class _Merged:
    """Rates of every LiteLLM key mapping to one catalog key, before conflicts are resolved."""

    refs: list[str] = field(default_factory=list)
    values: dict[str, dict[Decimal, str]] = field(default_factory=dict)  # column -> value -> first ref
    notes: list[str] = field(default_factory=list)
    rounded: set[str] = field(default_factory=set)
    mode: str | None = None
    current: bool = False

    def add(self, ref: str, rates: Mapping[str, Decimal]) -> None:
        self.refs.append(ref)
        for column, value in rates.items():
            self.values.setdefault(column, {}).setdefault(value, ref)


def _number(entry: Mapping[str, Any], name: str) -> Decimal | None:
    value = entry.get(name)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    return None


def _base_rates(entry: Mapping[str, Any], mode: str, notes: list[str], rounded: set[str]) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}

    def put(column: str, per_token: Decimal | None) -> None:
        if per_token is None:
            return
        value, was_rounded = to_numeric(per_1k_from_per_token(per_token))
        rates[column] = canonical(value)
        if was_rounded:
            rounded.add(column)

    for column, name in _TOKEN_RATES.items():
        put(column, _number(entry, name))
    if mode == "embedding":  # embeddings produce no output tokens: output 0, no output-side variants
        rates["output_price_per_1k"] = rates.get("output_price_per_1k", Decimal(0))
        for column in ("batch_output_price_per_1k", "audio_output_price_per_1k"):
            rates.pop(column, None)
    thresholds = sorted(int(m[1]) for name in entry if (m := _LONG_CONTEXT.match(name)))
    if thresholds:
        lowest = thresholds[0]
        rates["long_context_threshold_tokens"] = Decimal(lowest * 1000)
        put("long_context_input_price_per_1k", _number(entry, f"input_cost_per_token_above_{lowest}k_tokens"))
        put("long_context_output_price_per_1k", _number(entry, f"output_cost_per_token_above_{lowest}k_tokens"))
        if len(thresholds) > 1:
            notes.append(f"long-context tiers above {thresholds}k tokens: only the first fits the catalog")
    search = entry.get("search_context_cost_per_query")
    if isinstance(search, Mapping) and search:
        per_query = {_number(search, size) for size in search}
        if len(per_query) == 1 and None not in per_query:
            (price,) = per_query
            assert price is not None
            put("web_search_price_per_1k_requests", price)
        else:
            notes.append("web search is priced by search context size; the catalog has one rate")
    return rates


def _tier_rates(entry: Mapping[str, Any], tier: str, rounded: set[str]) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    for column, pattern in _TIER_RATES.items():
        per_token = _number(entry, pattern.format(tier=tier))
        if per_token is not None:
            value, was_rounded = to_numeric(per_1k_from_per_token(per_token))
            rates[column] = canonical(value)
            if was_rounded:
                rounded.add(column)
    return rates


def is_current(entry: Mapping[str, Any], as_of: date) -> bool:
    """Not yet past LiteLLM's ``deprecation_date`` on ``as_of``."""
    raw = entry.get("deprecation_date")
    if not isinstance(raw, str):
        return True
    try:
        return date.fromisoformat(raw) > as_of
    except ValueError:
        return True


def quotes(data: LiteLLMData, as_of: date) -> dict[PriceKey, Quote]:
    """Every catalog key LiteLLM prices, with its merged rates."""
    merged: dict[PriceKey, _Merged] = {}
    for litellm_key, entry in _entries(data):
        key = catalog_key(litellm_key, entry)
        if key is None:
            continue
        mode = "embedding" if entry.get("mode") == "embedding" else "chat"
        current = is_current(entry, as_of)
        notes: list[str] = []
        rounded: set[str] = set()
        slots = [(key, _base_rates(entry, mode, notes, rounded))]
        for tier in TIERS:
            tier_rates = _tier_rates(entry, tier, rounded)
            if "input_price_per_1k" in tier_rates and "output_price_per_1k" in tier_rates:
                slots.append((key._replace(service_tier=tier), tier_rates))
        for slot_key, rates in slots:
            m = merged.setdefault(slot_key, _Merged())
            m.add(litellm_key, rates)
            m.notes.extend(n for n in notes if n not in m.notes)
            m.rounded |= rounded & set(rates)
            m.mode = m.mode or mode
            m.current = m.current or current
    return {key: _quote(key, m, data.version) for key, m in merged.items()}


def _entries(data: LiteLLMData) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for litellm_key, entry in sorted(data.entries.items()):
        if isinstance(entry, Mapping) and entry.get("mode") in MODES:
            yield litellm_key, entry


def _quote(key: PriceKey, merged: _Merged, version: str) -> Quote:
    rates: dict[str, Decimal] = {}
    notes = list(merged.notes)
    for column, values in merged.values.items():
        if len(values) == 1:
            (rates[column],) = values
        else:
            listed = ", ".join(f"{v} ({ref})" for v, ref in sorted(values.items()))
            notes.append(f"{column}: LiteLLM keys disagree ({listed}); left out")
    return Quote(
        source=SOURCE,
        version=version,
        key=key,
        rates=rates,
        source_ref=merged.refs[0] if len(merged.refs) == 1 else " | ".join(merged.refs),
        mode=merged.mode,
        current=merged.current,
        rounded=tuple(sorted(merged.rounded)),
        notes=tuple(notes),
    )
