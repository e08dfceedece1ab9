"""GET /costs/estimate, /costs/reconciliation and /costs/recommendations: the existing library and views
over a small reconciliation world (tests/reconciliation), answered as JSON with exact decimal strings."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext

import pytest

from genai_costs.costs.api import CostsApi
from tests.reconciliation.conftest import DAY, MODEL, TODAY, ReconWorld, at
from tests.reconciliation.test_recommendations import capacity


@pytest.fixture
def world(acme_warehouse) -> ReconWorld:
    recon = ReconWorld(acme_warehouse)
    recon._events = []
    return recon


def call(recon: ReconWorld, path: str, **params):
    api = CostsApi(warehouse=lambda: nullcontext(recon.wh), pinned_org="acme")
    query = {k: v if isinstance(v, list) else [str(v)] for k, v in params.items()}
    answer = api.handle("GET", path, query)
    assert answer.status == 200, answer.body
    assert answer.body["success"] is True
    return answer.body["data"]


def test_estimate_in_the_guides_shape(world: ReconWorld) -> None:
    world.usage(at(DAY, 8), input_uncached_tokens=1_000_000)  # prices input on DAY ($1 per 1M)
    world.consolidate()
    for i, tokens in enumerate((300, 100, 1000, 400, 200)):
        world.event(at(DAY, 8, i), input_uncached_tokens=tokens)
    world.price_events()  # estimates read the priced events (sp_genai_4a)
    data = call(
        world, "/costs/estimate", task="hints", complexity="medium", tech_stack=["Python", "FastAPI"], min_samples=5
    )
    assert (data["complexity"], data["tech_stack"], data["recommended_model"]) == (
        "medium",
        ["Python", "FastAPI"],
        MODEL,
    )
    # sorted 100, 200, 300, 400, 1000: p50 300 tokens ($0.0003), p90 760 ($0.00076); no output tokens
    assert (data["estimated_input_tokens"], data["estimated_output_tokens"]) == (300, 0)
    figures = data["model_estimates"][MODEL]
    assert (figures["estimated_cost_usd"], figures["p90_cost_usd"]) == ("0.000300000", "0.000760000")
    assert (figures["estimated_tokens"], figures["basis"], figures["samples"]) == (300, "history", 5)
    # Too little history: the documented defaults of the complexity, no cost, no recommendation.
    data = call(world, "/costs/estimate", task="hints", complexity="complex", min_samples=6)
    assert (data["estimated_input_tokens"], data["estimated_output_tokens"]) == (30_000, 60_000)
    assert data["recommended_model"] is None
    assert data["model_estimates"][MODEL]["basis"] == "default"
    assert data["model_estimates"][MODEL]["estimated_cost_usd"] is None


def test_reconciliation_summary_per_grain(world: ReconWorld) -> None:
    world.usage(at(DAY, 8), input_uncached_tokens=1_000_000)
    world.usage(at(TODAY, dt.datetime.now(dt.UTC).hour), input_uncached_tokens=1_000)  # fetched up to now
    world.consolidate()  # prices the usage; the events are loaded after (sp_genai_0 owns their table)
    world.event(at(DAY, 8, 1), input_uncached_tokens=600_000)
    world.event(at(DAY, 8, 2), input_uncached_tokens=400_000)  # the two events make up the bucket exactly
    data = call(
        world, "/costs/reconciliation", start_date=(DAY - dt.timedelta(days=1)).isoformat(), end_date=DAY.isoformat()
    )
    (tokens,) = [r for r in data["summary"] if "tokens" in r["grain"]]
    assert (tokens["provider"], tokens["compared"], tokens["matched"], tokens["discrepancy"]) == ("openai", 1, 1, 0)
    assert (tokens["estimated_usd"], tokens["actual_usd"]) == ("1.000000000", "1.000000000")
    assert data["largest_discrepancies"] == []
    # Today only: DAY is outside, today's bucket is still inside the source's lag.
    (today,) = call(world, "/costs/reconciliation", period_days=1)["summary"]
    assert (today["compared"], today["matched"], today["pending"]) == (1, 0, 1)


def test_recommendations_with_their_total(world: ReconWorld) -> None:
    # tests/reconciliation/test_recommendations.py: 100 PTU x $1/h at 25 % for 2 x 2 hours -> $4,500 a month
    for day in (DAY, DAY + dt.timedelta(days=1)):
        for hour in (9, 10):
            capacity(world, day, hour, "0.25")
    world.consolidate()
    data = call(world, "/costs/recommendations")
    (right_sizing,) = [r for r in data["recommendations"] if r["recommendation_type"] == "commitment_right_sizing"]
    assert (right_sizing["subject"], right_sizing["savings_usd_per_month"]) == ("aoai/ptu", "4500.00")
    assert right_sizing["evidence_start"] == DAY.isoformat() and TODAY.isoformat() > right_sizing["evidence_end"]
    total = sum(float(r["savings_usd_per_month"]) for r in data["recommendations"])
    assert float(data["total_savings_usd_per_month"]) == total
