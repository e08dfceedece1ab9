"""Model id resolution rules (issue 11 item 4), one example per provider and rule: each reported id
prices from the catalog row written differently, and records which rule matched (price_match)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

# (provider, catalog model_id, reported model id, rule that matches)
EXAMPLES = [
    # exact
    ("openai", "gpt-zz", "gpt-zz", "exact"),
    # Bedrock cross-region inference profiles
    (
        "aws_bedrock",
        "anthropic.claude-zz-20250514-v1:0",
        "us.anthropic.claude-zz-20250514-v1:0",
        "cross_region_profile",
    ),
    (
        "aws_bedrock",
        "anthropic.claude-zz-20250514-v1:0",
        "eu.anthropic.claude-zz-20250514-v1:0",
        "cross_region_profile",
    ),
    (
        "aws_bedrock",
        "anthropic.claude-zz-20250514-v1:0",
        "apac.anthropic.claude-zz-20250514-v1:0",
        "cross_region_profile",
    ),
    (
        "aws_bedrock",
        "anthropic.claude-zz-20250514-v1:0",
        "global.anthropic.claude-zz-20250514-v1:0",
        "cross_region_profile",
    ),
    # version suffixes, on the reported side and on the catalog side
    ("aws_bedrock", "amazon.nova-zz", "amazon.nova-zz-v1:0", "version_suffix"),
    ("vertex_ai", "gemini-zz-flash", "gemini-zz-flash-001", "version_suffix"),
    ("gemini", "gemini-zz-pro", "gemini-zz-pro-latest", "version_suffix"),
    ("vertex_ai", "gemini-zz-lite-001", "gemini-zz-lite", "version_suffix"),
    ("azure_openai", "text-embedding-zz", "text-embedding-zz-002", "version_suffix"),
    # Vertex @version, on the reported side and on the catalog side
    ("vertex_ai", "claude-zz", "claude-zz@20250514", "at_version"),
    ("vertex_ai", "claude-yy@20250514", "claude-yy", "version_suffix"),
    # resource paths
    ("vertex_ai", "gemini-zz-pro", "publishers/google/models/gemini-zz-pro", "resource_path"),
    # dated snapshots
    ("openai", "gpt-zz", "gpt-zz-2025-08-06", "snapshot"),
    ("anthropic", "claude-zz-haiku", "claude-zz-haiku-20241022", "snapshot"),
    ("azure_openai", "gpt-zz", "gpt-zz-2025-08-06", "snapshot"),
    ("aws_bedrock", "anthropic.claude-zz", "us.anthropic.claude-zz-20250514-v1:0", "snapshot"),
    # fine-tuned: the catalog's ft:BASE row, with or without the base's date
    ("openai", "ft:gpt-zz-mini-2024-07-18", "ft:gpt-zz-mini-2024-07-18:acme::abc123", "fine_tuned"),
    ("openai", "ft:gpt-zz-mini", "ft:gpt-zz-mini-2024-07-18:acme:custom:abc123", "fine_tuned"),
    ("azure_openai", "ft:gpt-zz-mini-2024-07-18", "gpt-zz-mini-2024-07-18.ft-0123abcd", "fine_tuned"),
]


@pytest.mark.parametrize("provider, catalog_id, reported_id, rule", EXAMPLES, ids=[e[2] for e in EXAMPLES])
def test_reported_id_prices_from_the_catalog_row(world, provider, catalog_id, reported_id, rule):
    pricing_id = world.add_price(provider, catalog_id, "3.00", "15.00")
    world.add_usage(provider, "2026-11-02", reported_id, input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    row = world.cost_by(token_type="input")
    assert (row["pricing_id"], row["price_match"], row["cost_usd"]) == (pricing_id, rule, D("3"))


def test_a_fine_tuned_model_never_gets_the_base_models_price(world):
    # The base price exists, no ft: price: fine-tuned inference costs more, so it stays unpriced.
    world.add_price("openai", "gpt-zz-mini", "0.15", "0.60")
    world.add_usage("openai", "2026-11-02", "ft:gpt-zz-mini-2024-07-18:acme::abc123", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    row = world.cost_by(token_type="input")
    assert (row["cost_status"], row["cost_usd"]) == ("unpriced", None)


def test_the_most_specific_candidate_wins(world):
    # Both the exact snapshot and the undated id are priced: the exact row applies.
    world.add_price("openai", "gpt-zz", "1.00", "1.00")
    exact = world.add_price("openai", "gpt-zz-2025-08-06", "2.00", "2.00")
    world.add_usage("openai", "2026-11-02", "gpt-zz-2025-08-06", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    assert world.cost_by(token_type="input")["pricing_id"] == exact
