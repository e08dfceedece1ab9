"""Price dimensions (issue 11 item 4): long-context cache reads and writes, Azure Data Zone /
Regional prices by the usage row's region. Expectations computed by hand."""

from __future__ import annotations

from decimal import Decimal as D


def test_long_context_cache_reads_and_writes_cost_the_long_context_proportion(world):
    # Claude Sonnet 4.5: input $3 -> $6 above 200k, cache read $0.30 -> $0.60, 5m write $3.75 -> $7.50.
    world.add_price(
        "anthropic",
        "golden-sonnet",
        "3.00",
        "15.00",
        cached_input_price_per_1k="0.30",
        cache_write_5m_price_per_1k="3.75",
        long_context_threshold_tokens=200_000,
        long_context_input_price_per_1k="6.00",
        long_context_output_price_per_1k="22.50",
    )
    for window in ("200k-1M", "0-200k"):
        world.add_usage(
            "anthropic",
            "2026-11-02",
            "golden-sonnet",
            project=window,
            context_window=window,
            input_cached_tokens=1_000_000,
            cache_write_5m_tokens=1_000_000,
        )
    world.consolidate("2026-11-02", "2026-11-03")
    long = {r["token_type"]: (r["cost_usd"], r["price_rule"]) for r in world.costs("project_id = '200k-1M'")}
    short = {r["token_type"]: (r["cost_usd"], r["price_rule"]) for r in world.costs("project_id = '0-200k'")}
    assert long == {
        "cached_input": (D("0.6"), "long_context_cache_read"),
        "cache_write_5m": (D("7.5"), "long_context_cache_write_5m"),
    }
    assert short == {"cached_input": (D("0.3"), "cache_read"), "cache_write_5m": (D("3.75"), "cache_write_5m")}


def test_azure_data_zone_and_regional_prices_follow_the_usage_region(world):
    # gpt-zz: Global $2.50, Data Zone (us) $2.75, Regional (eastus) $2.75 + a different model row.
    world.add_price("azure_openai", "gpt-zz", "2.50", "10.00")
    data_zone = world.add_price("azure_openai", "gpt-zz", "2.75", "11.00", region="us")
    regional = world.add_price("azure_openai", "gpt-zz", "2.80", "11.20", region="eastus")
    world.add_usage("azure_openai", "2026-11-02", "gpt-zz", project="g", input_uncached_tokens=1_000_000)
    world.add_usage("azure_openai", "2026-11-02", "gpt-zz", project="dz", region="us", input_uncached_tokens=1_000_000)
    world.add_usage(
        "azure_openai", "2026-11-02", "gpt-zz", project="r", region="eastus", input_uncached_tokens=1_000_000
    )
    world.consolidate("2026-11-02", "2026-11-03")
    by_project = {r["project_id"]: (r["pricing_id"], r["cost_usd"]) for r in world.costs()}
    assert by_project["dz"] == (data_zone, D("2.75"))
    assert by_project["r"] == (regional, D("2.8"))
    assert by_project["g"][1] == D("2.5")


def test_usage_without_its_context_window_is_priced_at_the_standard_rate_and_marked_an_estimate(world):
    # Gemini 2.5 Pro-like: $1.25 / $10 per 1M up to 200k prompt tokens, $2.50 / $15 above. Cloud Monitoring's
    # hourly token counts say nothing about prompt sizes, so the hour cannot be split by tier.
    long_rates = {
        "long_context_threshold_tokens": 200_000,
        "long_context_input_price_per_1k": "2.50",
        "long_context_output_price_per_1k": "15.00",
    }
    world.add_price("gemini", "golden-pro", "1.25", "10.00", **long_rates)
    world.add_price("anthropic", "golden-sonnet", "3.00", "15.00", **long_rates)
    world.add_price("gemini", "golden-flash", "0.30", "2.50")  # no long-context rates: nothing to estimate
    world.add_usage("gemini", "2026-11-02", "golden-pro", input_uncached_tokens=1_000_000, output_tokens=100_000)
    world.add_usage("gemini", "2026-11-02", "golden-flash", input_uncached_tokens=1_000_000)
    world.add_usage(
        "anthropic", "2026-11-02", "golden-sonnet", context_window="0-200k", input_uncached_tokens=1_000_000
    )
    world.consolidate("2026-11-02", "2026-11-03")
    rows = {(r["model"], r["token_type"]): r for r in world.costs()}
    pro_in, pro_out = rows[("golden-pro", "input")], rows[("golden-pro", "output")]
    assert (pro_in["cost_usd"], pro_in["price_rule"], pro_in["cost_status"]) == (D("1.25"), "standard", "priced")
    assert pro_out["cost_usd"] == D("1")
    for row in (pro_in, pro_out):
        assert "context window not reported" in row["estimate_reason"] and "200000" in row["estimate_reason"]
    # the source reported the tier (Anthropic's context_window), or the model has one rate: exact
    assert rows[("golden-sonnet", "input")]["estimate_reason"] is None
    assert rows[("golden-sonnet", "input")]["cost_usd"] == D("3")
    assert rows[("golden-flash", "input")]["estimate_reason"] is None
    # FOCUS carries the mark to the report consumers read
    focus = world.wh.query(
        "acme_prod",
        "SELECT x_ModelId, x_TokenType, x_EstimateReason FROM cost_data_standard_1_3 "
        "WHERE ChargePeriodStart >= TIMESTAMP '2026-11-01'",
    )
    marked = {(r["x_ModelId"], r["x_TokenType"]) for r in focus if r["x_EstimateReason"]}
    assert marked == {("golden-pro", "input"), ("golden-pro", "output")}
