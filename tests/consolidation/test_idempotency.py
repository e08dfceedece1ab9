"""Consolidating a window twice changes nothing; consolidating window W changes no row outside W."""

from __future__ import annotations

TABLES = [
    ("genai_usage_daily", "usage_date"),
    ("genai_costs_daily_unified", "usage_date"),
    ("cost_data_standard_1_3", "ChargePeriodStart"),
]


def _seed(world):
    world.add_price("openai", "golden-4o", "2.50", "10.00", cached_input_price_per_1k="1.25")
    world.add_plan("gemini", "free")  # the free allowance below applies
    world.add_plan("openai", "paid", unit_price_usd="20")  # a daily prorated plan fee
    world.add_price(
        "gemini",
        "golden-flash",
        "0.10",
        "0.40",
        pricing_type="free_tier",
        free_tier_input_tokens=500_000,
        free_tier_reset_frequency="monthly",
    )
    for day in ("2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"):
        world.add_usage(
            "openai",
            day,
            "golden-4o",
            input_uncached_tokens=1_000_000,
            input_cached_tokens=300_000,
            output_tokens=200_000,
        )
        world.add_usage("gemini", day, "golden-flash", input_uncached_tokens=300_000)
        world.add_usage("openai", day, "mystery-model", input_uncached_tokens=10)


def test_consolidating_twice_changes_nothing(world):
    _seed(world)
    world.consolidate("2026-10-30", "2026-11-04")
    first = {t: world.snapshot(t, c) for t, c in TABLES}
    world.consolidate("2026-10-30", "2026-11-04")
    assert {t: world.snapshot(t, c) for t, c in TABLES} == first
    assert all(first.values())


def test_a_window_touches_nothing_outside_it(world):
    _seed(world)
    world.consolidate("2026-10-30", "2026-11-04")

    def outside():
        return {
            t: [r for r in world.snapshot(t, c) if not any(k in (c,) and v.startswith("2026-11-02") for k, v in r)]
            for t, c in TABLES
        }

    before = outside()
    # Change the raw data inside W = [11-02, 11-03) only, then consolidate W.
    world.add_usage("openai", "2026-11-02", "golden-4o", project="p2", input_uncached_tokens=5)
    world.consolidate("2026-11-02", "2026-11-03")
    assert outside() == before
    inside = world.costs("usage_date = '2026-11-02' AND project_id = 'p2'")
    assert inside and inside[0]["cost_usd"] > 0  # ...and W itself did change
