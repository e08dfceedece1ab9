"""Small price sources in each source's real format, and an onboarded organization.

- LiteLLM: the JSON text of ``model_prices_and_context_window.json`` (per-token numbers as JSON
  numbers, ``litellm_provider``, ``mode``, ``*_batches`` ...), parsed by the same code as the real file.
- genai-prices: its own data types (``Provider``, ``ModelInfo``, ``ModelPrice`` with ``Decimal`` per 1M
  tokens, match clauses, conditional prices, variants), as ``genai_prices.data`` builds them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from genai_prices.types import (
    ClauseEquals,
    ClauseOr,
    ClauseStartsWith,
    ConditionalPrice,
    ModelInfo,
    ModelPrice,
    PriceVariant,
    Provider,
    StartDateConstraint,
    Tier,
    TieredPrices,
)

from genai_costs.pricing.litellm_data import parse_litellm
from genai_costs.pricing.sources.genai_prices import GenAIPricesData
from genai_costs.pricing.sync import PriceSources

AS_OF = dt.date(2026, 12, 2)
NOW = dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC)
D = Decimal


def litellm_text(entries: dict[str, dict[str, Any]]) -> str:
    """LiteLLM's file format; numbers written as the file writes them (shortest repr, e.g. 2.5e-06)."""
    return json.dumps(entries, indent=4)


def litellm_entry(provider: str, inp: str, out: str, mode: str = "chat", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "input_cost_per_token": float(inp),
        "output_cost_per_token": float(out),
        "litellm_provider": provider,
        "mode": mode,
    }
    entry.update({k: float(v) if isinstance(v, str) and "cost" in k else v for k, v in extra.items()})
    return entry


def gp_model(model_id: str, *aliases: str, prices: Any, name: str | None = None, **kw: Any) -> ModelInfo:
    match = ClauseOr(or_=[ClauseEquals(equals=m) for m in (model_id, *aliases)])
    return ModelInfo(id=model_id, match=match, name=name, prices=prices, **kw)


def gp_provider(provider_id: str, models: list[ModelInfo], **kw: Any) -> Provider:
    return Provider(id=provider_id, name=provider_id, api_pattern=f"https://{provider_id}", models=models, **kw)


# The base fixtures: what both sources say about a handful of models.
def base_litellm() -> dict[str, dict[str, Any]]:
    return {
        # agrees exactly with genai-prices
        "gpt-4o": litellm_entry(
            "openai",
            "2.5e-06",
            "1e-05",
            cache_read_input_token_cost="1.25e-06",
            input_cost_per_token_batches="1.25e-06",
            output_cost_per_token_batches="5e-06",
        ),
        # agrees within 1 % (0.8 %): accepted
        "gpt-4.1": litellm_entry("openai", "2.016e-06", "8e-06", cache_read_input_token_cost="5e-07"),
        # disagrees by 2x on input and output: a proposal, never an accepted row
        "o9-mini": litellm_entry("openai", "2.2e-06", "8.8e-06"),
        # only LiteLLM lists it
        "solo-model": litellm_entry("openai", "1e-06", "2e-06"),
        "claude-sonnet-9": litellm_entry(
            "anthropic",
            "3e-06",
            "1.5e-05",
            cache_read_input_token_cost="3e-07",
            cache_creation_input_token_cost="3.75e-06",
            cache_creation_input_token_cost_above_1hr="6e-06",
            input_cost_per_token_above_200k_tokens="6e-06",
            output_cost_per_token_above_200k_tokens="2.25e-05",
        ),
        "text-embedding-9": litellm_entry("openai", "2e-08", "0", mode="embedding"),
    }


def base_genai_prices() -> list[Provider]:
    openai = gp_provider(
        "openai",
        [
            gp_model(
                "gpt-4o",
                "gpt-4o-2024-08-06",
                name="GPT-4o",
                prices=ModelPrice(input_mtok=D("2.5"), output_mtok=D("10"), cache_read_mtok=D("1.25")),
                price_variants=[
                    PriceVariant(
                        when={"processing": "batch"},
                        prices=ModelPrice(input_mtok=D("1.25"), output_mtok=D("5")),
                        constraint=StartDateConstraint(start_date=dt.date(2026, 10, 14)),
                    )
                ],
            ),
            gp_model("gpt-4.1", prices=ModelPrice(input_mtok=D("2"), output_mtok=D("8"), cache_read_mtok=D("0.5"))),
            gp_model(
                "o9-mini",
                prices=[
                    ConditionalPrice(prices=ModelPrice(input_mtok=D("4.4"), output_mtok=D("17.6"))),
                    ConditionalPrice(
                        constraint=StartDateConstraint(start_date=dt.date(2026, 6, 1)),
                        prices=ModelPrice(input_mtok=D("1.1"), output_mtok=D("4.4")),
                    ),
                ],
            ),
            gp_model("text-embedding-9", prices=ModelPrice(input_mtok=D("0.02"))),
        ],
    )
    anthropic = gp_provider(
        "anthropic",
        [
            ModelInfo(
                id="claude-sonnet-9",
                match=ClauseStartsWith(starts_with="claude-sonnet-9"),
                name="Claude Sonnet 9",
                prices=ModelPrice(
                    input_mtok=TieredPrices(base=D("3"), tiers=[Tier(start=200_000, price=D("6"))]),
                    output_mtok=TieredPrices(base=D("15"), tiers=[Tier(start=200_000, price=D("22.5"))]),
                    cache_read_mtok=D("0.3"),
                    cache_write_mtok=D("3.75"),
                    cache_write_1h_mtok=D("6"),
                ),
            )
        ],
    )
    return [openai, anthropic]


def make_sources(
    litellm: dict[str, dict[str, Any]] | None = None,
    genai_prices: list[Provider] | None = None,
    *,
    versions: tuple[str, str] = ("0.0.1-test", "0.0.1-test"),
) -> PriceSources:
    entries = base_litellm() if litellm is None else litellm
    return PriceSources(
        genai_prices=GenAIPricesData(version=versions[0], providers=genai_prices or base_genai_prices()),
        litellm=parse_litellm(litellm_text(entries), version=versions[1]),
    )


@pytest.fixture
def sources() -> PriceSources:
    return make_sources()


@pytest.fixture
def org(acme_warehouse):
    """An onboarded organization whose catalog is empty (so fixtures decide everything)."""
    warehouse = acme_warehouse
    warehouse.execute("acme_prod", "DELETE FROM llm_model_pricing WHERE TRUE")
    return warehouse


@pytest.fixture
def table() -> Callable[..., list[dict[str, Any]]]:
    def read(wh, name: str, order: str = "1") -> list[dict[str, Any]]:
        return wh.query("acme_prod", f"SELECT * FROM {name} ORDER BY {order}")

    return read
