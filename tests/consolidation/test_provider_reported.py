"""Provider-reported dollars as a state (issue 11 item 5): a model-day the catalog cannot price but
whose provider reported its cost carries that amount, cost_status 'provider_reported'."""

from __future__ import annotations

from decimal import Decimal as D


def test_unpriced_model_day_carries_the_providers_reported_dollars(world):
    # 1M input + 2M output tokens of an unknown model (two projects); OpenAI reported $10 for it.
    world.add_usage("openai", "2026-11-02", "mystery-model", project="a", input_uncached_tokens=1_000_000)
    world.add_usage("openai", "2026-11-02", "mystery-model", project="b", output_tokens=2_000_000)
    world.add_reported_cost("openai", "2026-11-02", "mystery-model", "7.00")
    world.add_reported_cost("openai", "2026-11-02", "mystery-model", "3.00")
    world.consolidate("2026-11-02", "2026-11-03")
    rows = world.costs()
    assert {r["cost_status"] for r in rows} == {"provider_reported"}
    # $10 spread by tokens: 1M of 3M -> 3.333333333, 2M of 3M -> 6.666666667; they add up to $10.
    by_project = {r["project_id"]: r["cost_usd"] for r in rows}
    assert sum(by_project.values()) == D("10")
    assert sorted(by_project.values()) == [D("3.333333333"), D("6.666666667")]
    assert all(r["pricing_id"] is None and r["unpriced_reason"].startswith("no enabled price") for r in rows)
    assert all(r["billed_cost_usd"] == r["cost_usd"] for r in rows)


def test_without_a_provider_figure_the_model_day_stays_unpriced(world):
    world.add_usage("openai", "2026-11-02", "mystery-model", input_uncached_tokens=1_000_000)
    world.add_reported_cost("openai", "2026-11-03", "mystery-model", "5.00")  # another day
    world.add_reported_cost("openai", "2026-11-02", "other-model", "5.00")  # another model
    world.consolidate("2026-11-02", "2026-11-03")
    row = world.cost_by(token_type="input")
    assert (row["cost_status"], row["cost_usd"]) == ("unpriced", None)


def test_a_partly_priced_model_day_keeps_its_computed_cost(world):
    """Where the catalog prices part of a model-day, the provider figure is not spread over the rest:
    the computed part stays computed and the rest stays visibly unpriced."""
    world.add_price("openai", "golden-4o", "2.00", "8.00")
    world.add_usage("openai", "2026-11-02", "golden-4o", input_uncached_tokens=1_000_000, input_audio_tokens=1_000)
    world.add_reported_cost("openai", "2026-11-02", "golden-4o", "3.00")
    world.consolidate("2026-11-02", "2026-11-03")
    assert world.cost_by(token_type="input")["cost_status"] == "priced"
    assert world.cost_by(token_type="audio_input")["cost_status"] == "unpriced"
