"""How much of what both public sources list the catalog can price.

The universe: the current chat and embedding models that BOTH sources list for our six providers.
A model id is in it when LiteLLM lists it (mode chat, responses or embedding; not past its
deprecation date) and genai-prices resolves the same id, for the same provider, to a model it does not
mark deprecated. Ids are counted at the default tier and region (tier and regional rows refine a price;
they are not more models).

Two figures, because the sources name models differently:

- **ids**: every such model id (``gpt-4o`` and ``gpt-4o-2024-08-06``, ``us.anthropic...`` and
  ``eu.anthropic...`` each count);
- **models**: ids grouped by the genai-prices model they resolve to (per provider), which is how
  genai-prices itself counts models: the ``us.``/``eu.``/``apac.`` inference profiles of one Bedrock
  model, or the dated snapshots of one OpenAI model, are one model.

An id is priced when the catalog has an enabled row valid on the date, for the default tier, in any
region, with the id itself or the id as a dated snapshot of it (``gpt-4o-2024-08-06`` prices as
``gpt-4o``: the rule ``sp_genai_2_consolidate_costs_daily`` applies). A model is priced when one of
its ids is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from .candidates import Candidate
from .rates import PriceKey

_SNAPSHOT = re.compile(r"-[0-9]{4}-?[0-9]{2}-?[0-9]{2}$")


class ProviderCoverage(BaseModel):
    models: int
    models_priced: int
    ids: int
    ids_priced: int


class Coverage(BaseModel):
    as_of: dt.date
    models: int
    models_priced: int
    model_share_percent: Decimal
    ids: int
    ids_priced: int
    id_share_percent: Decimal
    by_provider: dict[str, ProviderCoverage]
    unpriced_models: list[str]  # provider/genai-prices model id
    unpriced_ids: list[str]  # provider/model id


def universe(candidates: Mapping[PriceKey, Candidate]) -> dict[PriceKey, str]:
    """Model ids both sources list (default tier and region), each with its model group."""
    listed = {}
    for key, candidate in candidates.items():
        gp, ll = candidate.genai_prices, candidate.litellm
        if key.region is not None or key.service_tier is not None or gp is None or ll is None:
            continue
        if gp.current and ll.current:
            listed[key] = gp.source_ref
    return listed


def priced_ids(rows: Iterable[Mapping[str, Any]], ids: Iterable[PriceKey], as_of: dt.date) -> set[PriceKey]:
    current: dict[str, set[str]] = {}
    for row in rows:
        if not row["is_enabled"] or row["service_tier"] is not None:
            continue
        if row["effective_date"] <= as_of and (row["end_date"] is None or as_of <= row["end_date"]):
            current.setdefault(row["provider"], set()).add(row["model_id"])
    priced = set()
    for key in ids:
        models = current.get(key.provider, set())
        base = _SNAPSHOT.sub("", key.model_id)
        if key.model_id in models or (base != key.model_id and base in models):
            priced.add(key)
    return priced


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1")) if whole else Decimal(0)


def coverage(rows: Iterable[Mapping[str, Any]], candidates: Mapping[PriceKey, Candidate], as_of: dt.date) -> Coverage:
    listed = universe(candidates)
    priced = priced_ids(list(rows), listed, as_of)
    groups: dict[tuple[str, str], list[PriceKey]] = {}
    for key, group in listed.items():
        groups.setdefault((key.provider, group), []).append(key)
    priced_groups = {g for g, keys in groups.items() if any(k in priced for k in keys)}
    by_provider = {}
    for provider in sorted({k.provider for k in listed}):
        by_provider[provider] = ProviderCoverage(
            models=sum(1 for g in groups if g[0] == provider),
            models_priced=sum(1 for g in priced_groups if g[0] == provider),
            ids=sum(1 for k in listed if k.provider == provider),
            ids_priced=sum(1 for k in priced if k.provider == provider),
        )
    return Coverage(
        as_of=as_of,
        models=len(groups),
        models_priced=len(priced_groups),
        model_share_percent=_percent(len(priced_groups), len(groups)),
        ids=len(listed),
        ids_priced=len(priced),
        id_share_percent=_percent(len(priced), len(listed)),
        by_provider=by_provider,
        unpriced_models=sorted(f"{p}/{g}" for p, g in set(groups) - priced_groups),
        unpriced_ids=sorted(f"{k.provider}/{k.model_id}" for k in set(listed) - priced),
    )
