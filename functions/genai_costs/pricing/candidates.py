"""Every price key the sync considers, with each source's quote for it.

Keys come from three places: LiteLLM's entries, the model ids genai-prices names itself, and the
catalog's own non-custom rows (so a row no source lists any more is still compared and reported).
Tier keys (flex, priority) come from either source's tier prices.

A key with a region takes a source's region-specific quote when it has one, otherwise its
region-independent quote (a source without regional prices claims one price everywhere), except
for Azure OpenAI, whose catalog region is a deployment type (Global / Data Zone). A region key only a
LiteLLM region entry introduces is left out when that entry repeats LiteLLM's region-independent
price: it would add a row that changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from .rates import PriceKey, Quote
from .sources.genai_prices import REGION_IS_DEPLOYMENT_TYPE, GenAIPricesSource


@dataclass(frozen=True)
class Candidate:
    key: PriceKey
    genai_prices: Quote | None
    litellm: Quote | None

    @property
    def quotes(self) -> tuple[Quote, ...]:
        return tuple(q for q in (self.genai_prices, self.litellm) if q is not None)

    @property
    def listed_by_both(self) -> bool:
        return self.genai_prices is not None and self.litellm is not None

    @property
    def current(self) -> bool:
        """Some source that lists it does not mark it deprecated."""
        return any(q.current for q in self.quotes)


def build_candidates(
    genai_prices: GenAIPricesSource,
    litellm_quotes: Mapping[PriceKey, Quote],
    catalog_keys: Iterable[PriceKey],
    providers: Iterable[str],
) -> dict[PriceKey, Candidate]:
    wanted = set(providers)
    catalog = set(catalog_keys)
    keys: set[PriceKey] = {k for k in catalog if k.provider in wanted}
    for key, quote in litellm_quotes.items():
        if key.provider in wanted and not _redundant_region_key(key, quote, litellm_quotes):
            keys.add(key)
    for provider in sorted(wanted):
        keys.update(PriceKey(provider, model_id) for model_id in genai_prices.listed_model_ids(provider))
    for key in [k for k in keys if k.region is None and k.service_tier is None]:
        keys.update(key._replace(service_tier=tier) for tier in genai_prices.tiers(key.provider, key.model_id))

    candidates = {}
    for key in sorted(keys, key=_sort_key):
        candidate = Candidate(key, genai_prices.quote(key), _litellm_quote(key, litellm_quotes))
        if candidate.quotes or key in catalog:
            candidates[key] = candidate
    return candidates


def _litellm_quote(key: PriceKey, quotes: Mapping[PriceKey, Quote]) -> Quote | None:
    if key in quotes:
        return quotes[key]
    if key.region is None or key.provider in REGION_IS_DEPLOYMENT_TYPE:
        return None
    everywhere = quotes.get(key._replace(region=None))
    if everywhere is None:
        return None
    return replace(everywhere, key=key, notes=(*everywhere.notes, "region-independent price"))


def _redundant_region_key(key: PriceKey, quote: Quote, quotes: Mapping[PriceKey, Quote]) -> bool:
    if key.region is None or key.provider in REGION_IS_DEPLOYMENT_TYPE:
        return False
    everywhere = quotes.get(key._replace(region=None))
    return everywhere is not None and dict(everywhere.rates) == dict(quote.rates)


def _sort_key(key: PriceKey) -> tuple[str, str, str, str]:
    return key.provider, key.model_id, key.region or "", key.service_tier or ""
