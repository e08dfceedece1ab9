"""Plans drive cost (issue 11 item 3): the organization's own llm_subscriptions rows decide free
allowances, trial credit, committed-use discounts and plan fees. Expectations computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D


def _flash_with_daily_free_million(world) -> None:
    # $0.10 per 1M input tokens, the first 1M input tokens of each day free.
    world.add_price(
        "gemini",
        "golden-flash",
        "0.10",
        "0.40",
        pricing_type="free_tier",
        free_tier_input_tokens=1_000_000,
        free_tier_reset_frequency="daily",
    )


def test_free_allowance_applies_only_while_the_plan_is_free(world):
    _flash_with_daily_free_million(world)
    free = world.add_plan("gemini", "free", end="2026-11-01")
    world.add_plan("gemini", "paid", plan_name="PAY_AS_YOU_GO", effective="2026-11-02")
    for day in ("2026-11-01", "2026-11-02"):
        world.add_usage("gemini", day, "golden-flash", input_uncached_tokens=3_000_000)
    world.consolidate("2026-11-01", "2026-11-03")
    free_day = world.cost_by(usage_date=dt.date(2026, 11, 1))
    paid_day = world.cost_by(usage_date=dt.date(2026, 11, 2))
    # Free plan: (3M - 1M) x $0.10/1M = $0.20. Paid plan: 3M x $0.10/1M = $0.30 from the first token.
    assert (free_day["free_quantity"], free_day["cost_usd"], free_day["subscription_id"]) == (1_000_000, D("0.2"), free)
    assert (paid_day["free_quantity"], paid_day["cost_usd"], paid_day["subscription_id"]) == (0, D("0.3"), None)


def test_the_seeded_plan_catalog_alone_grants_no_free_allowance(world):
    """Onboarding seeds Gemini FREE and PAY_AS_YOU_GO rows (the provider's offer, not the org's
    plan): without a plan of its own the organization is billed as paying."""
    _flash_with_daily_free_million(world)
    world.add_usage("gemini", "2026-11-02", "golden-flash", input_uncached_tokens=3_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    assert world.cost_by(token_type="input")["cost_usd"] == D("0.3")


def test_a_trial_grants_the_free_allowance_until_its_last_day(world):
    _flash_with_daily_free_million(world)
    world.add_plan("gemini", "trial", trial_end_date="2026-11-01")
    for day in ("2026-11-01", "2026-11-02"):
        world.add_usage("gemini", day, "golden-flash", input_uncached_tokens=3_000_000)
    world.consolidate("2026-11-01", "2026-11-03")
    assert [r["cost_usd"] for r in world.costs()] == [D("0.2"), D("0.3")]


def test_committed_use_discount_applies_to_matching_list_price_usage(world):
    world.add_price("gemini", "golden-pro", "2.00", "8.00", pricing_type="standard")
    world.add_price("gemini", "golden-negotiated", "2.00", "8.00", pricing_type="negotiated")
    cud = world.add_plan("gemini", "committed_use", plan_name="CUD_1_YEAR", discount_percentage=D("25"))
    world.add_plan("gemini", "committed_use", model_id="other-model", discount_percentage=D("52"))
    for model in ("golden-pro", "golden-negotiated"):
        world.add_usage("gemini", "2026-11-02", model, input_uncached_tokens=1_000_000, output_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    pro = [r for r in world.costs() if r["model"] == "golden-pro"]
    # List 1M x $2 + 1M x $8 = $10; 25 % off: $1.50 + $6.00 = $7.50. The 52 % CUD is for another model.
    assert sum(r["list_cost_usd"] for r in pro) == D("10")
    assert sum(r["cost_usd"] for r in pro) == D("7.5")
    assert {r["subscription_id"] for r in pro} == {cud}
    assert {r["unit_price"] for r in pro} == {D("1.5"), D("6")}
    # A negotiated price is already a deal: the CUD does not stack on it.
    assert world.total("model = 'golden-negotiated'") == D("10")


def test_a_seeded_committed_use_row_discounts_nothing(world):
    """The seed's Gemini CUD_1_YEAR (25 %) and CUD_3_YEAR (52 %) rows are enabled offers, not purchases."""
    world.add_price("gemini", "golden-pro", "2.00", "8.00", pricing_type="standard")
    world.add_usage("gemini", "2026-11-02", "golden-pro", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    assert world.total() == D("2")


def test_committed_use_discount_only_within_its_commitment_term(world):
    world.add_price("gemini", "golden-pro", "2.00", "8.00", pricing_type="standard")
    world.add_plan(
        "gemini",
        "committed_use",
        discount_percentage=D("25"),
        commitment_start_date="2026-11-02",
        commitment_end_date="2026-11-02",
    )
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        world.add_usage("gemini", day, "golden-pro", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-01", "2026-11-04")
    assert [r["cost_usd"] for r in world.costs()] == [D("2"), D("1.5"), D("2")]


def test_plan_fee_is_prorated_to_the_day_and_a_month_adds_up_to_the_fee(world):
    plan = world.add_plan("openai", "paid", plan_name="TIER1", unit_price_usd="20")
    world.consolidate("2026-11-01", "2026-12-01")
    fees = world.costs("flow = 'plan'")
    assert len(fees) == 30 and {r["subscription_id"] for r in fees} == {plan}
    # $20 over 30 days: day d carries round(20d/30) - round(20(d-1)/30) at 9 decimals.
    assert [r["cost_usd"] for r in fees[:3]] == [D("0.666666667"), D("0.666666666"), D("0.666666667")]
    assert sum(r["cost_usd"] for r in fees) == D("20")
    assert {(r["charge_category"], r["billed_cost_usd"] == r["cost_usd"]) for r in fees} == {("Purchase", True)}
    focus = world.wh.query(
        "acme_prod",
        "SELECT ChargeCategory, ChargeFrequency, BilledCost, EffectiveCost, PricingQuantity, PricingUnit "
        "FROM cost_data_standard_1_3 WHERE ChargePeriodStart >= TIMESTAMP '2026-11-01' AND x_Flow = 'plan'",
    )
    assert len(focus) == 30
    assert {(r["ChargeCategory"], r["ChargeFrequency"], r["PricingUnit"]) for r in focus} == {
        ("Purchase", "Recurring", "Days")
    }
    assert sum(r["BilledCost"] for r in focus) == sum(r["EffectiveCost"] for r in focus) == D("20")


def test_plan_fee_for_part_of_a_month_and_several_units(world):
    # 3 seats x $28 = $84 a month; February 2026 has 28 days: $3 a day; the plan starts on the 15th.
    world.add_plan("anthropic", "enterprise", unit_price_usd="28", quantity=3, effective="2026-02-15")
    world.consolidate("2026-02-01", "2026-03-01")
    fees = world.costs("flow = 'plan'")
    assert len(fees) == 14 and {r["cost_usd"] for r in fees} == {D("3")}
    assert sum(r["cost_usd"] for r in fees) == D("42")


def test_seeded_plans_bill_no_fee(world):
    """The seed's OpenAI TIER1..TIER4 rows carry $20..$1000: offers, not the organization's plan."""
    world.consolidate("2026-11-01", "2026-11-03")
    assert world.costs("flow = 'plan'") == []


def test_a_price_row_of_unknown_pricing_type_prices_nothing(world):
    world.add_price("openai", "golden-4o", "2.50", "10.00", pricing_type="bogus")
    world.add_usage("openai", "2026-11-02", "golden-4o", input_uncached_tokens=1_000_000)
    world.consolidate("2026-11-02", "2026-11-03")
    row = world.cost_by(token_type="input")
    assert (row["cost_status"], row["cost_usd"]) == ("unpriced", None)


def test_volume_discount_prices_only_the_tokens_beyond_its_threshold_in_the_month(world):
    # $1.00 per 1M input up to 5M tokens a month, $0.50 beyond: the volume row applies above 5M only.
    base = world.add_price("openai", "golden-4o", "1.00", "1.00", pricing_type="standard")
    volume = world.add_price(
        "openai", "golden-4o", "0.50", "0.50", pricing_type="volume_discount", volume_threshold_tokens=5_000_000
    )
    for day in ("2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"):
        world.add_usage("openai", day, "golden-4o", input_uncached_tokens=3_000_000)
    world.consolidate("2026-10-31", "2026-11-02")
    world.consolidate("2026-11-02", "2026-11-04")  # a window that starts after November's first day
    rows = [(str(r["usage_date"]), r["pricing_id"], r["consumed_quantity"], r["cost_usd"]) for r in world.costs()]
    # Oct 31: 3M in October, below its threshold. Nov 1: 3M (cum 3M). Nov 2: 2M up to 5M at $1, 1M at $0.50.
    # Nov 3: all 3M beyond the threshold at $0.50.
    assert sorted(rows) == sorted(
        [
            ("2026-10-31", base, 3_000_000, D("3")),
            ("2026-11-01", base, 3_000_000, D("3")),
            ("2026-11-02", base, 2_000_000, D("2")),
            ("2026-11-02", volume, 1_000_000, D("0.5")),
            ("2026-11-03", volume, 3_000_000, D("1.5")),
        ]
    )


def test_trial_credit_is_drawn_down_and_then_stops(world):
    # $1.00 trial credit; usage costs $0.40 a day ($1 per 1M input, 400k tokens a day).
    world.add_price("gemini", "golden-pro", "1.00", "4.00", pricing_type="standard")
    trial = world.add_plan("gemini", "trial", trial_credit_usd=D("1"), trial_end_date="2026-11-30")
    for day in ("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"):
        world.add_usage("gemini", day, "golden-pro", input_uncached_tokens=400_000)
    world.consolidate("2026-11-01", "2026-11-03")
    world.consolidate("2026-11-03", "2026-11-05")  # the credit used by earlier windows counts
    credits = world.costs("charge_category = 'Credit'")
    # Nov 1: -0.40 (0.60 left), Nov 2: -0.40 (0.20 left), Nov 3: -0.20 (used up), Nov 4: none.
    assert [(str(r["usage_date"]), r["billed_cost_usd"]) for r in credits] == [
        ("2026-11-01", D("-0.4")),
        ("2026-11-02", D("-0.4")),
        ("2026-11-03", D("-0.2")),
    ]
    assert {r["subscription_id"] for r in credits} == {trial}
    assert sum(r["billed_cost_usd"] for r in world.costs()) == D("0.6")  # $1.60 of usage minus $1.00
    focus = world.wh.query(
        "acme_prod",
        "SELECT ChargeCategory, BilledCost, EffectiveCost, SkuPriceId, PricingQuantity FROM cost_data_standard_1_3 "
        "WHERE ChargePeriodStart >= TIMESTAMP '2026-11-01' AND ChargeCategory = 'Credit'",
    )
    assert sorted(r["BilledCost"] for r in focus) == [D("-0.4"), D("-0.4"), D("-0.2")]
    assert {(r["SkuPriceId"], r["PricingQuantity"]) for r in focus} == {(None, None)}


def test_trial_credit_covers_only_days_inside_the_trial(world):
    world.add_price("gemini", "golden-pro", "1.00", "4.00", pricing_type="standard")
    world.add_plan("gemini", "trial", trial_credit_usd=D("100"), trial_end_date="2026-11-01")
    for day in ("2026-11-01", "2026-11-02"):
        world.add_usage("gemini", day, "golden-pro", input_uncached_tokens=400_000)
    world.consolidate("2026-11-01", "2026-11-03")
    assert [(str(r["usage_date"]), r["cost_usd"]) for r in world.costs("charge_category = 'Credit'")] == [
        ("2026-11-01", D("-0.4"))
    ]
