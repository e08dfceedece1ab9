"""Savings recommendations, computed by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from .conftest import DAY, TODAY, ReconWorld, at

UTC = dt.UTC


def capacity(recon: ReconWorld, day: dt.date, hour: int, utilization: str, commitment: str = "aoai/ptu") -> None:
    start = dt.datetime.combine(day, dt.time(hour), UTC)
    row = dict.fromkeys(recon.specs["genai_commitment_azure_openai_capacity"].field_names) | {
        "record_id": hashlib.sha256(f"{commitment}{start}".encode()).hexdigest()[:32],
        "run_id": "t",
        "ingested_at": start,
        "org_slug": "acme",
        "provider": "azure_openai",
        "commitment_type": "azure_ptu",
        "commitment_id": commitment,
        "commitment_name": commitment,
        "model": "gpt-4o",
        "region": "eastus",
        "usage_date": day,
        "hour_start": start,
        "active_fraction": Decimal(1),
        "provisioned_units": Decimal(100),
        "capacity_unit": "PTU",
        "utilization": Decimal(utilization),
        "hourly_unit_price_usd": Decimal("1.00"),
        "price_source": "azure_retail_prices",
        "term": "no_commitment",
        "commitment_start": dt.datetime(2020, 1, 1, tzinfo=UTC),
        "terms_source": "provider_api",
        "source": "test",
    }
    recon.wh.load_rows("acme_prod", recon.specs["genai_commitment_azure_openai_capacity"], [row])


def test_an_underused_commitment_is_right_sized_and_a_busy_one_is_not(recon: ReconWorld) -> None:
    # 100 PTU x $1/h. Underused: two days, two hours each at 25 % -> bought 400 PTU-hours ($400), used 100,
    # unused $300 over 2 days -> $4,500 per 30 days. Busy: 90 % used, no recommendation.
    for day in (DAY, DAY + dt.timedelta(days=1)):
        for hour in (9, 10):
            capacity(recon, day, hour, "0.25")
            capacity(recon, day, hour, "0.9", commitment="aoai/busy")
    recon.consolidate()
    rows = recon.wh.query("acme_prod", "SELECT * FROM genai_savings_recommendations")
    (r,) = rows
    assert (r["recommendation_type"], r["subject"], r["utilization_pct"]) == ("commitment_right_sizing", "aoai/ptu", 25)
    assert (r["evidence_days"], r["evidence_cost_usd"], r["savings_usd_per_month"]) == (2, Decimal(400), Decimal(4500))
    assert r["evidence_start"] == DAY and r["evidence_end"] == DAY + dt.timedelta(days=1) < TODAY


def recommendations(recon: ReconWorld, kind: str) -> list[dict]:
    return recon.wh.query(
        "acme_prod",
        "SELECT * FROM genai_savings_recommendations WHERE recommendation_type = @p_kind ORDER BY subject",
        {"p_kind": kind},
    )


def negotiated_price(recon: ReconWorld, provider: str, model: str, input_per_1m: str, output_per_1m: str) -> None:
    """The organization's own current price row for a model (is_custom wins over the seed's row)."""
    row = dict.fromkeys(recon.specs["llm_model_pricing"].field_names) | {
        "pricing_id": f"negotiated-{provider}-{model}",
        "provider": provider,
        "model_id": model,
        "is_custom": True,
        "input_price_per_1k": Decimal(input_per_1m) / 1000,
        "output_price_per_1k": Decimal(output_per_1m) / 1000,
        "effective_date": dt.date(2020, 1, 1),
        "is_enabled": True,
        "pricing_type": "negotiated",
        "currency": "USD",
    }
    recon.wh.load_rows("acme_prod", recon.specs["llm_model_pricing"], [row])


def billed_usage(recon: ReconWorld) -> None:
    # gpt-4o ($2.50 / $10 per 1M): 1M input + 1M output on each of two days = 2 x $12.50 = $25.
    # gpt-4o-mini and gpt-4.1 are used too; an unknown model is billed but unpriced.
    for day in (DAY, DAY + dt.timedelta(days=1)):
        recon.usage(at(day, 8), model="gpt-4o", input_uncached_tokens=1_000_000, output_tokens=1_000_000)
    recon.usage(at(DAY, 9), model="gpt-4o-mini", input_uncached_tokens=1_000_000, output_tokens=1_000_000)
    recon.usage(at(DAY, 10), model="gpt-4.1", input_uncached_tokens=1_000_000, output_tokens=1_000_000)
    recon.usage(at(DAY, 11), model="gpt-unknown-model", input_uncached_tokens=9_000_000, output_tokens=9_000_000)
    # Priority-tier usage is billed at its own rates: not repriced at another model's standard rates.
    recon.usage(at(DAY, 12), model="gpt-4o", service_tier="priority", input_uncached_tokens=1_000_000)


def test_a_cheaper_model_of_the_same_capability_class_is_proposed(recon: ReconWorld) -> None:
    billed_usage(recon)
    recon.consolidate()
    (r,) = recommendations(recon, "cheaper_model_same_class")
    # gpt-4o -> gpt-4.1 (same class openai_general_large, newer): 2M x $2 + 2M x $8 = $20 instead of $25:
    # $5 over 2 days -> $75 per 30 days. gpt-4o-mini's class peer gpt-4.1-mini costs more; gpt-4.1 is the
    # cheapest of its class released since; the unknown model has no price, so no dollars.
    assert (r["provider"], r["model"], r["subject"]) == ("openai", "gpt-4o", "gpt-4o")
    assert "gpt-4.1" in r["recommendation"] and "mini" not in r["recommendation"]
    assert (r["evidence_start"], r["evidence_end"], r["evidence_days"]) == (DAY, DAY + dt.timedelta(days=1), 2)
    assert (r["evidence_cost_usd"], r["savings_usd_per_month"]) == (Decimal(25), Decimal(75))
    assert r["evidence"].startswith("4000000 billed tokens cost $25.00")


def test_the_same_model_bought_through_another_provider_for_less(recon: ReconWorld) -> None:
    billed_usage(recon)
    negotiated_price(recon, "azure_openai", "gpt-4o", "2.25", "9")
    recon.consolidate()
    (r,) = recommendations(recon, "same_model_other_provider")
    # 2M x $2.25 + 2M x $9 = $22.50 on Azure instead of $25: $2.50 over 2 days -> $37.50 per month.
    assert (r["provider"], r["model"], r["evidence_days"]) == ("openai", "gpt-4o", 2)
    assert "azure_openai" in r["recommendation"] and "negotiated-azure_openai-gpt-4o" in r["evidence"]
    assert r["savings_usd_per_month"] == Decimal("37.50")


def test_batch_eligible_standard_calls_of_latency_tolerant_features(recon: ReconWorld) -> None:
    recon.consolidate()
    pipeline = {"service": "content-pipeline", "feature": "course-generation", "model": "gpt-4o", "user": "l1"}
    recon.event(at(DAY, 1), is_batch=True, input_uncached_tokens=50_000, output_tokens=5_000, **pipeline)
    recon.event(at(DAY, 2), input_uncached_tokens=100_000, output_tokens=20_000, **pipeline)
    recon.event(at(DAY + dt.timedelta(days=1), 2), input_uncached_tokens=300_000, output_tokens=40_000, **pipeline)
    # Serves no end user (no user_id): an indexer nobody waits on.
    recon.event(at(DAY, 4), service="indexer", feature="semantic-search", model="gpt-4o", input_uncached_tokens=200_000)
    # Not proposed: the tutor's chat serves a learner; a digest without users that its producer tags
    # latency-sensitive.
    recon.event(
        at(DAY, 3), service="tutor-api", feature="chat", model="gpt-4o", user="l1", input_uncached_tokens=900_000
    )
    recon.event(
        at(DAY, 5),
        service="reports",
        feature="digest",
        model="gpt-4o",
        tags={"latency_sensitive": "true"},
        input_uncached_tokens=900_000,
    )
    recon.price_events()
    pipeline_row, indexer_row = recommendations(recon, "batch_eligible")
    # Pipeline: 400k input x ($2.50 - $1.25) + 60k output x ($10 - $5) per 1M = $0.50 + $0.30 = $0.80 over 2 days
    # -> $12 per month; its two standard calls cost 0.4M x $2.50 + 0.06M x $10 = $1.60.
    assert (pipeline_row["subject"], pipeline_row["model"], pipeline_row["evidence_days"]) == (
        "content-pipeline / course-generation",
        "gpt-4o",
        2,
    )
    assert (pipeline_row["evidence_cost_usd"], pipeline_row["savings_usd_per_month"]) == (Decimal("1.6"), Decimal(12))
    assert "already sends batch-API calls" in pipeline_row["recommendation"]
    # Indexer: 200k x $1.25 per 1M = $0.25 in one day -> $7.50 per month.
    assert (indexer_row["subject"], indexer_row["savings_usd_per_month"]) == (
        "indexer / semantic-search",
        Decimal("7.5"),
    )
    assert "serves no end user" in indexer_row["recommendation"]


def test_a_repeated_long_prompt_read_from_the_cache(recon: ReconWorld) -> None:
    recon.consolidate()
    sonnet = {"provider": "anthropic", "model": "claude-sonnet-4-20250514", "service": "grader"}
    # Ten essay gradings: five two minutes apart, a 22-minute pause, five more; the shortest prompt 1,500.
    for i, minute in enumerate((0, 2, 4, 6, 8, 30, 32, 34, 36, 38)):
        tokens = 1_500 if i == 3 else 2_000
        recon.event(at(DAY, 9, minute), feature="essay-grading", input_uncached_tokens=tokens, **sonnet)
        # Already cached at 30 %: nothing to propose.
        recon.event(
            at(DAY, 10, minute), feature="feedback", input_uncached_tokens=1_400, input_cached_tokens=600, **sonnet
        )
    recon.price_events()
    (r,) = recommendations(recon, "cache_opportunity")
    # Prefix 1,500 tokens. 8 calls within 5 minutes of the previous one read it: 8 x 1,500 x ($3 - $0.30) per 1M
    # = $0.0324; the 2 others write it: 2 x 1,500 x ($3 - $3.75) per 1M = -$0.00225. Net $0.03015 in one day
    # -> $0.9045 per 30 days -> $0.90.
    assert (r["subject"], r["provider"], r["evidence_days"]) == ("grader / essay-grading", "anthropic", 1)
    assert r["savings_usd_per_month"] == Decimal("0.90")
    assert "1500 tokens" in r["evidence"] and "8 calls within 5 minutes" in r["evidence"]


def test_unpriced_usage_gets_no_dollars(recon: ReconWorld) -> None:
    recon.usage(at(DAY, 11), model="gpt-unknown-model", input_uncached_tokens=9_000_000, output_tokens=9_000_000)
    recon.consolidate()
    for minute in range(12):
        recon.event(at(DAY, 9, minute), model="gpt-unknown-model", feature="x", input_uncached_tokens=5_000)
    recon.event(at(DAY, 8), model="gpt-unknown-model", feature="x", is_batch=True, input_uncached_tokens=5_000)
    recon.price_events()
    statuses = recon.wh.query("acme_prod", "SELECT DISTINCT cost_status FROM genai_usage_event_costs")
    assert statuses == [{"cost_status": "unpriced"}]
    assert recon.wh.query("acme_prod", "SELECT * FROM genai_savings_recommendations") == []
