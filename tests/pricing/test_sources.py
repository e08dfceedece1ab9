"""Each source's ids and numbers in the catalog's terms: id mapping, exact unit conversion, variants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from genai_prices.types import ClauseEquals, ModelInfo, ModelPrice, PriceVariant, StartDateConstraint

from genai_costs.errors import ConfigurationError
from genai_costs.pricing.candidates import build_candidates
from genai_costs.pricing.litellm_data import parse_litellm
from genai_costs.pricing.rates import PriceKey, agree, per_1k_from_per_million, per_1k_from_per_token, to_numeric
from genai_costs.pricing.sources import litellm
from genai_costs.pricing.sources.genai_prices import GenAIPricesData, GenAIPricesSource

from .conftest import AS_OF, base_genai_prices, gp_model, gp_provider, litellm_entry, litellm_text

D = Decimal


# -- units and agreement ---------------------------------------------------------------------------------


def test_unit_conversions_are_decimal_shifts():
    assert per_1k_from_per_token(D("2.5E-6")) == D("0.0025")
    assert per_1k_from_per_million(D("0.0375")) == D("0.0000375")
    assert to_numeric(D("0.000000001")) == (D("0.000000001"), False)
    # a float artifact needing more than NUMERIC's 9 digits is rounded half-even, and says so
    assert to_numeric(D("0.5666666666666667")) == (D("0.566666667"), True)


def test_litellm_numbers_are_read_from_their_digits_never_through_float():
    data = parse_litellm('{"m": {"input_cost_per_token": 1.1000000000000001e-06}}', version="t")
    assert data.entries["m"]["input_cost_per_token"] == D("1.1000000000000001E-6")  # float(…) would be 1.1e-06
    assert per_1k_from_per_token(data.entries["m"]["input_cost_per_token"]) == D("0.0011000000000000001")


def test_a_rate_litellm_only_has_with_more_than_nine_decimals_is_rounded_and_flagged():
    raw = litellm_text({"gpt-x": litellm_entry("openai", "1e-06", "2e-06")}).replace("1e-06", "1.0000000005e-06")
    quote = litellm.quotes(parse_litellm(raw, version="t"), AS_OF)[PriceKey("openai", "gpt-x")]
    assert quote.rates["input_price_per_1k"] == D("0.001") and quote.rounded == ("input_price_per_1k",)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (D("1.00"), D("1.01"), True),  # exactly 1 % of the larger is agreement
        (D("1.00"), D("1.0102"), False),
        (D("0"), D("0"), True),
        (D("0"), D("0.000001"), False),
        (None, D("1"), False),
    ],
)
def test_agreement_is_within_one_percent_of_the_larger_value(a, b, expected):
    assert agree(a, b) is expected


# -- LiteLLM keys -> catalog keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, provider, expected",
    [
        ("gpt-4o", "openai", PriceKey("openai", "gpt-4o")),
        ("low/1024-x-1024/gpt-image-1", "openai", None),
        ("claude-sonnet-4-5-20250929", "anthropic", PriceKey("anthropic", "claude-sonnet-4-5-20250929")),
        ("gemini/gemini-2.5-pro", "gemini", PriceKey("gemini", "gemini-2.5-pro")),
        ("gemini-2.5-pro", "vertex_ai-language-models", PriceKey("vertex_ai", "gemini-2.5-pro")),
        ("vertex_ai/claude-opus-4-6@default", "vertex_ai-anthropic_models", PriceKey("vertex_ai", "claude-opus-4-6")),
        (
            "vertex_ai/claude-sonnet-4@20250514",
            "vertex_ai-anthropic_models",
            PriceKey("vertex_ai", "claude-sonnet-4@20250514"),
        ),
        (
            "vertex_ai/meta/llama-3.1-8b-instruct-maas",
            "vertex_ai-llama_models",
            PriceKey("vertex_ai", "llama-3.1-8b-instruct-maas"),
        ),
        ("azure/gpt-4o", "azure", PriceKey("azure_openai", "gpt-4o")),
        ("azure/global-standard/gpt-4o-mini", "azure", PriceKey("azure_openai", "gpt-4o-mini")),
        ("azure/eu/gpt-4o", "azure", PriceKey("azure_openai", "gpt-4o", "eu")),
        ("azure/us-gov/gpt-4o", "azure", None),
        ("azure_ai/deepseek-r1", "azure_ai", None),
        (
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "bedrock",
            PriceKey("aws_bedrock", "us.anthropic.claude-3-7-sonnet-20250219-v1:0"),
        ),
        (
            "bedrock/us-gov-west-1/amazon.nova-pro-v1:0",
            "bedrock",
            PriceKey("aws_bedrock", "amazon.nova-pro-v1:0", "us-gov-west-1"),
        ),
        ("bedrock/us-east-1/1-month-commitment/anthropic.claude-instant-v1", "bedrock", None),
        ("bedrock/invoke/anthropic.claude-3-5-sonnet-20240620-v1:0", "bedrock", None),
        ("bedrock_mantle/openai.gpt-oss-120b", "bedrock_mantle", None),
    ],
)
def test_litellm_keys_map_to_the_ids_usage_reports(key, provider, expected):
    assert litellm.catalog_key(key, {"litellm_provider": provider, "mode": "chat"}) == expected


def test_litellm_duplicates_merge_and_a_conflict_is_left_out_with_a_note():
    entries = {
        "gemini-9-flash": litellm_entry(
            "vertex_ai-language-models", "1e-06", "4e-06", cache_read_input_token_cost="1e-07"
        ),
        "vertex_ai/gemini-9-flash": litellm_entry("vertex_ai", "1e-06", "5e-06", input_cost_per_token_batches="5e-07"),
    }
    quote = litellm.quotes(parse_litellm(litellm_text(entries), version="t"), AS_OF)[
        PriceKey("vertex_ai", "gemini-9-flash")
    ]
    assert quote.rates == {
        "input_price_per_1k": D("0.001"),
        "cached_input_price_per_1k": D("0.0001"),
        "batch_input_price_per_1k": D("0.0005"),
    }
    assert any("output_price_per_1k: LiteLLM keys disagree" in n for n in quote.notes)


def test_litellm_tiers_web_search_embeddings_and_deprecation():
    entries = {
        "gpt-x": litellm_entry(
            "openai",
            "2e-06",
            "8e-06",
            input_cost_per_token_flex="1e-06",
            output_cost_per_token_flex="4e-06",
            search_context_cost_per_query={"search_context_size_low": 0.01, "search_context_size_medium": 0.01},
            deprecation_date="2026-11-30",
        ),
        "gpt-y": litellm_entry(
            "openai",
            "2e-06",
            "8e-06",
            search_context_cost_per_query={"search_context_size_low": 0.03, "search_context_size_high": 0.05},
        ),
        "embed-x": litellm_entry("openai", "1e-07", "0", mode="embedding", output_cost_per_token_batches="0"),
        "image-x": litellm_entry("openai", "1e-06", "1e-06", mode="image_generation"),
    }
    quotes = litellm.quotes(parse_litellm(litellm_text(entries), version="t"), AS_OF)
    assert quotes[PriceKey("openai", "gpt-x", None, "flex")].rates == {
        "input_price_per_1k": D("0.001"),
        "output_price_per_1k": D("0.004"),
    }
    assert quotes[PriceKey("openai", "gpt-x")].rates["web_search_price_per_1k_requests"] == D("10")
    assert quotes[PriceKey("openai", "gpt-x")].current is False  # past its deprecation date on the sync date
    assert "web_search_price_per_1k_requests" not in quotes[PriceKey("openai", "gpt-y")].rates
    assert quotes[PriceKey("openai", "embed-x")].rates == {
        "input_price_per_1k": D("0.0001"),
        "output_price_per_1k": D("0"),
    }
    assert PriceKey("openai", "image-x") not in quotes


def test_the_bundled_litellm_file_is_refused_when_it_does_not_match_the_pin(monkeypatch, tmp_path):
    from genai_costs.pricing import litellm_data

    (tmp_path / "litellm.pin.json").write_text(
        '{"package": "litellm", "version": "1", "member": "m.json", "sha256": "00", "bundled_as": "x.json"}'
    )
    (tmp_path / "x.json").write_text("{}")
    monkeypatch.setattr(litellm_data, "DATA_DIR", tmp_path)
    monkeypatch.setattr(litellm_data, "PIN_FILE", tmp_path / "litellm.pin.json")
    litellm_data.load_bundled.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="does not match litellm==1"):
            litellm_data.load_bundled()
        (tmp_path / "x.json").unlink()
        with pytest.raises(ConfigurationError, match="run `make price-data`"):
            litellm_data.load_bundled()
    finally:
        litellm_data.load_bundled.cache_clear()


# -- genai-prices -----------------------------------------------------------------------------------------


def gp(*providers):
    return GenAIPricesSource(GenAIPricesData(version="t", providers=list(providers) or base_genai_prices()), AS_OF)


def test_genai_prices_is_asked_with_its_own_matching_and_fallbacks():
    azure = gp_provider("azure", [], fallback_model_providers=["openai"])
    source = gp(*base_genai_prices(), azure)
    snapshot = source.quote(PriceKey("openai", "gpt-4o-2024-08-06"))  # an alias in gpt-4o's match clause
    assert snapshot is not None and snapshot.source_ref == "gpt-4o"
    global_deployment = source.quote(PriceKey("azure_openai", "gpt-4o"))  # azure falls back to openai
    assert global_deployment is not None and global_deployment.rates["input_price_per_1k"] == D("0.0025")
    # an Azure region is a deployment type (Data Zone): the Global price does not apply there
    assert source.quote(PriceKey("azure_openai", "gpt-4o", "eu")) is None
    assert source.quote(PriceKey("openai", "no-such-model")) is None


def test_genai_prices_price_on_the_sync_date_batch_variant_and_dated_segment():
    model = gp_model(
        "m-1",
        prices=ModelPrice(input_mtok=D("1"), output_mtok=D("2")),
        price_variants=[
            PriceVariant(
                when={"processing": "batch"},
                prices=ModelPrice(input_mtok=D("0.5"), output_mtok=D("1")),
                constraint=StartDateConstraint(start_date=dt.date(2027, 1, 1)),  # not yet active
            ),
            PriceVariant(when={"service_tier": "priority"}, prices=ModelPrice(input_mtok=D("2"), output_mtok=D("4"))),
        ],
    )
    source = gp(gp_provider("openai", [model]))
    quote = source.quote(PriceKey("openai", "m-1"))
    assert quote is not None and "batch_input_price_per_1k" not in quote.rates
    priority = source.quote(PriceKey("openai", "m-1", None, "priority"))
    assert priority is not None and priority.rates == {
        "input_price_per_1k": D("0.002"),
        "output_price_per_1k": D("0.004"),
    }
    assert list(source.tiers("openai", "m-1")) == ["priority"]


def test_candidates_project_region_independent_prices_onto_existing_regional_rows():
    bedrock = gp_provider(
        "aws",
        [
            ModelInfo(
                id="amazon.nova-pro-v1:0",
                match=ClauseEquals(equals="amazon.nova-pro-v1:0"),
                prices=ModelPrice(input_mtok=D("0.8"), output_mtok=D("3.2")),
            )
        ],
    )
    entries = {"amazon.nova-pro-v1:0": litellm_entry("bedrock_converse", "8e-07", "3.2e-06")}
    regional = PriceKey("aws_bedrock", "amazon.nova-pro-v1:0", "us-east-1")
    candidates = build_candidates(
        gp(bedrock),
        litellm.quotes(parse_litellm(litellm_text(entries), version="t"), AS_OF),
        {regional},
        ["aws_bedrock"],
    )
    candidate = candidates[regional]
    assert candidate.genai_prices is not None and candidate.litellm is not None
    assert candidate.litellm.rates["input_price_per_1k"] == D("0.0008")
    assert "region-independent price" in candidate.litellm.notes
