"""Golden costs computed by hand, one per pricing feature and per known industry trap
(../shared/reference/cost-accuracy.md), run through the real procedures on DuckDB."""

from __future__ import annotations

from decimal import Decimal as D


def test_cached_tokens_are_priced_at_the_cache_rate(world):
    # 1M uncached x $2.50 + 400k cached x $1.25 + 500k output x $10 = 2.50 + 0.50 + 5.00
    world.add_price("openai", "golden-4o", "2.50", "10.00", cached_input_price_per_1k="1.25")
    world.add_usage(
        "openai",
        "2026-11-02",
        "golden-4o",
        input_uncached_tokens=1_000_000,
        input_cached_tokens=400_000,
        output_tokens=500_000,
    )
    world.consolidate("2026-11-02", "2026-11-03")
    assert world.cost_by(token_type="cached_input")["cost_usd"] == D("0.5")
    assert world.total() == D("8.0")  # priced as normal input it would be 8.50; double-counted 9.00


def test_overlapping_provider_categories_are_not_double_counted(world):
    """OpenAI's input_tokens already include cached and cache-write tokens (documented example:
    input 1000 = uncached 500 + cached 400 + write 100). Through the real client normalization."""
    import datetime as dt

    from genai_costs.model.records import UsageRecord

    world.add_price(
        "openai", "golden-4o", "2.00", "8.00", cached_input_price_per_1k="0.50", cache_write_5m_price_per_1k="2.00"
    )
    # Scale the documented example by 1000 so costs are readable.
    record = UsageRecord(
        provider="openai",
        source="test",
        bucket_start=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        bucket_width="1d",
        model="golden-4o",
        input_uncached_tokens=500_000,
        input_cached_tokens=400_000,
        cache_write_5m_tokens=100_000,
        output_tokens=500_000,
        provider_total_tokens=1_000_000 + 500_000,
    )
    assert record.invariant_violation() is None
    world.add_usage(
        "openai",
        "2026-11-02",
        "golden-4o",
        input_uncached_tokens=500_000,
        input_cached_tokens=400_000,
        cache_write_5m_tokens=100_000,
        output_tokens=500_000,
    )
    world.consolidate("2026-11-02", "2026-11-03")
    # 0.5M x 2 + 0.4M x 0.5 + 0.1M x 2 + 0.5M x 8 = 1.0 + 0.2 + 0.2 + 4.0
    assert world.total() == D("5.4")  # pricing input_tokens (1M) at full rate plus cached again: 6.2


def test_anthropic_cache_writes_by_ttl_and_reads(world):
    world.add_price(
        "anthropic",
        "golden-sonnet",
        "3.00",
        "15.00",
        cached_input_price_per_1k="0.30",
        cache_write_5m_price_per_1k="3.75",
        cache_write_1h_price_per_1k="6.00",
    )
    world.add_usage(
        "anthropic",
        "2026-11-02",
        "golden-sonnet",
        input_uncached_tokens=1_500_000,
        cache_write_5m_tokens=500_000,
        cache_write_1h_tokens=1_000_000,
        input_cached_tokens=200_000,
        output_tokens=500_000,
    )
    world.consolidate("2026-11-02", "2026-11-03")
    by_type = {r["token_type"]: r["cost_usd"] for r in world.costs()}
    assert by_type == {
        "input": D("4.5"),
        "cache_write_5m": D("1.875"),
        "cache_write_1h": D("6.0"),
        "cached_input": D("0.06"),
        "output": D("7.5"),
    }


def test_free_tier_crossing_mid_month_with_a_window_that_starts_mid_month(world):
    # Monthly free allowance of 1M input tokens; 400k per day; the organization is on the free plan.
    world.add_plan("gemini", "free")
    world.add_price(
        "gemini",
        "golden-flash",
        "0.10",
        "0.40",
        pricing_type="free_tier",
        free_tier_input_tokens=1_000_000,
        free_tier_reset_frequency="monthly",
    )
    for day in ("2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"):
        world.add_usage("gemini", day, "golden-flash", input_uncached_tokens=400_000)
    world.consolidate("2026-10-31", "2026-11-03")  # history first: Oct 31, Nov 1, Nov 2
    world.consolidate("2026-11-03", "2026-11-05")  # then a window that starts after the crossing
    rows = {str(r["usage_date"]): r for r in world.costs("token_type = 'input'")}
    assert rows["2026-10-31"]["billable_quantity"] == 0  # October allowance
    assert rows["2026-11-01"]["billable_quantity"] == 0  # 400k of 1M
    assert rows["2026-11-02"]["billable_quantity"] == 0  # 800k of 1M
    assert rows["2026-11-03"]["billable_quantity"] == 200_000  # crosses: 200k free, 200k billed
    assert rows["2026-11-03"]["free_quantity"] == 200_000
    assert rows["2026-11-03"]["cost_usd"] == D("0.02")
    assert rows["2026-11-04"]["billable_quantity"] == 400_000
    assert rows["2026-11-01"]["cost_usd"] == D("0") and rows["2026-11-01"]["price_rule"] == "free_tier"


def test_daily_free_tier_resets_each_day(world):
    world.add_plan("gemini", "free")
    world.add_price(
        "gemini",
        "golden-flash",
        "0.10",
        "0.40",
        pricing_type="free_tier",
        free_tier_input_tokens=300_000,
        free_tier_reset_frequency="daily",
    )
    world.add_usage("gemini", "2026-11-01", "golden-flash", project="a", input_uncached_tokens=200_000)
    world.add_usage("gemini", "2026-11-01", "golden-flash", project="b", input_uncached_tokens=200_000)
    world.add_usage("gemini", "2026-11-02", "golden-flash", project="a", input_uncached_tokens=200_000)
    world.consolidate("2026-11-01", "2026-11-03")
    day1 = sum(r["billable_quantity"] for r in world.costs("usage_date = '2026-11-01'"))
    day2 = sum(r["billable_quantity"] for r in world.costs("usage_date = '2026-11-02'"))
    assert (day1, day2) == (100_000, 0)  # 400k - 300k across both projects; day 2 fully free


def test_price_change_mid_window_uses_the_price_of_each_day(world):
    world.add_price("openai", "golden-4o", "1.00", "1.00", end="2026-11-02")
    world.add_price("openai", "golden-4o", "2.00", "2.00", effective="2026-11-03")
    for day in ("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"):
        world.add_usage("openai", day, "golden-4o", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-01", "2026-11-05")
    assert [r["cost_usd"] for r in world.costs()] == [D("1"), D("1"), D("2"), D("2")]
    assert len({r["pricing_id"] for r in world.costs()}) == 2  # each day stamped with its own price row


def test_custom_price_wins_over_the_default_catalog(world):
    negotiated = world.add_price("openai", "gpt-4o", "2.00", "8.00", effective="2026-01-01")
    world.add_usage("openai", "2026-11-02", "gpt-4o", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    row = world.cost_by(token_type="input")
    assert (row["pricing_id"], row["is_custom_price"], row["cost_usd"]) == (negotiated, True, D("2"))


def test_seed_catalog_prices_a_dated_snapshot_of_a_known_model(world):
    world.add_usage("openai", "2026-11-02", "gpt-4o-2024-08-06", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    row = world.cost_by(token_type="input")
    assert (row["price_match"], row["cost_usd"], row["is_custom_price"]) == ("snapshot", D("2.5"), False)


def test_unknown_model_is_unpriced_never_zero(world):
    world.add_usage("openai", "2026-11-02", "gpt-9-turbo-preview", input_uncached_tokens=1_000_000, output_tokens=10)
    world.consolidate("2026-11-02", "2026-11-03")
    for row in world.costs():
        assert row["cost_status"] == "unpriced"
        assert row["cost_usd"] is None and row["billed_cost_usd"] is None and row["pricing_id"] is None
        assert "gpt-9-turbo-preview" in row["unpriced_reason"]
    focus = world.wh.query(
        "acme_prod",
        "SELECT COUNT(*) AS n FROM cost_data_standard_1_3 WHERE ChargePeriodStart >= TIMESTAMP '2000-01-01'",
    )
    assert focus == [{"n": 0}]  # not booked anywhere at $0


def test_batch_discount_applies_to_cache_reads_too(world):
    world.add_price(
        "openai",
        "golden-4o",
        "2.00",
        "8.00",
        cached_input_price_per_1k="0.50",
        batch_input_price_per_1k="1.00",
        batch_output_price_per_1k="4.00",
    )
    world.add_usage(
        "openai",
        "2026-11-02",
        "golden-4o",
        is_batch=True,
        input_uncached_tokens=1_000_000,
        input_cached_tokens=1_000_000,
        output_tokens=1_000_000,
    )
    world.consolidate("2026-11-02", "2026-11-03")
    by_type = {r["token_type"]: (r["cost_usd"], r["price_rule"]) for r in world.costs()}
    assert by_type == {
        "input": (D("1"), "batch"),
        "output": (D("4"), "batch"),
        "cached_input": (D("0.25"), "cache_read"),
    }


def test_long_context_rates_for_anthropic_200k_plus(world):
    world.add_price(
        "anthropic",
        "golden-sonnet",
        "3.00",
        "15.00",
        long_context_threshold_tokens=200_000,
        long_context_input_price_per_1k="6.00",
        long_context_output_price_per_1k="22.50",
    )
    world.add_usage(
        "anthropic",
        "2026-11-02",
        "golden-sonnet",
        context_window="200k-1M",
        input_uncached_tokens=1_000_000,
        output_tokens=100_000,
    )
    world.add_usage(
        "anthropic",
        "2026-11-02",
        "golden-sonnet",
        context_window="0-200k",
        input_uncached_tokens=1_000_000,
        output_tokens=100_000,
    )
    world.consolidate("2026-11-02", "2026-11-03")
    assert world.total() == D("6") + D("2.25") + D("3") + D("1.5")


def test_percentage_discount_on_a_list_price_row(world):
    world.add_price("openai", "golden-4o", "10.00", "10.00", discount_percentage=D("20"))
    world.add_usage("openai", "2026-11-02", "golden-4o", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    row = world.cost_by(token_type="input")
    assert (row["list_cost_usd"], row["cost_usd"], row["unit_price"]) == (D("10"), D("8"), D("8"))


def test_priority_tier_without_a_priority_price_is_unpriced(world):
    world.add_price("openai", "golden-4o", "2.00", "8.00")
    world.add_usage("openai", "2026-11-02", "golden-4o", service_tier="priority", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    row = world.cost_by(token_type="input")
    assert row["cost_status"] == "unpriced" and "tier priority" in row["unpriced_reason"]


def test_audio_tokens_without_an_audio_rate_are_unpriced_not_billed_as_text(world):
    world.add_price("openai", "golden-4o", "2.00", "8.00")
    world.add_usage("openai", "2026-11-02", "golden-4o", input_uncached_tokens=1_000, input_audio_tokens=1_000)
    world.consolidate("2026-11-02", "2026-11-03")
    audio = world.cost_by(token_type="audio_input")
    assert audio["cost_status"] == "unpriced" and "audio input rate" in audio["unpriced_reason"]
    assert world.cost_by(token_type="input")["cost_status"] == "priced"


def test_nano_dollar_precision_is_kept(world):
    world.add_price("openai", "golden-nano", "0.0375", "0.15")
    world.add_usage("openai", "2026-11-02", "golden-nano", input_uncached_tokens=7)
    world.consolidate("2026-11-02", "2026-11-03")
    # 7 x $0.0375 / 1M = $0.0000002625 -> rounded half away from zero to 9 decimals
    assert world.cost_by(token_type="input")["cost_usd"] == D("0.000000263")


def test_tokens_on_provisioned_capacity_are_committed_not_priced_twice(world):
    # Azure PTU deployment tokens are paid by the PTU commitment; spillover on a standard
    # deployment is pay-as-you-go. Only the spillover is money here.
    world.add_price("azure_openai", "golden-4o", "2.50", "10.00")
    world.add_usage(
        "azure_openai",
        "2026-11-02",
        "golden-4o",
        service_tier="GlobalProvisionedManaged",
        deployment="gpt-4o-ptu",
        input_uncached_tokens=1_000_000,
    )
    world.add_usage(
        "azure_openai",
        "2026-11-02",
        "golden-4o",
        service_tier="GlobalStandard",
        deployment="gpt-4o-std",
        input_uncached_tokens=200_000,
    )
    world.consolidate("2026-11-02", "2026-11-03")
    ptu = world.cost_by(deployment="gpt-4o-ptu")
    spill = world.cost_by(deployment="gpt-4o-std")
    assert (ptu["cost_status"], ptu["cost_usd"], ptu["list_cost_usd"], ptu["commitment_type"]) == (
        "committed",
        D("0"),
        D("2.5"),
        "azure_ptu",
    )
    assert (spill["cost_status"], spill["cost_usd"]) == ("priced", D("0.5"))
