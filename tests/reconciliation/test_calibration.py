"""Recorded estimates and their calibration against the calls that followed, computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from genai_costs.budgets.store import json_value
from genai_costs.reconciliation.estimate import estimate, record_estimate

from .conftest import DAY, MODEL, ReconWorld, at

NOW = dt.datetime.now(dt.UTC)


def world(recon: ReconWorld) -> None:
    for day in (DAY, DAY + dt.timedelta(days=2), DAY + dt.timedelta(days=9)):
        recon.usage(at(day, 8), input_uncached_tokens=1_000_000)  # input priced on these days ($1 per 1M)
    recon.consolidate()
    for i, tokens in enumerate((300, 100, 1000, 400, 200)):  # p50 $0.0003, p90 $0.00076 (test_estimate)
        recon.event(at(DAY, 8, i), input_uncached_tokens=tokens)
    recon.price_events()


def back_test(recon: ReconWorld, *, min_samples: int = 5):
    """An estimate as of the day after DAY: history before it, actuals in the 7 days from its midnight."""
    est = estimate(
        recon.wh,
        "acme_prod",
        task="hints",
        start=DAY - dt.timedelta(days=20),
        end=DAY + dt.timedelta(days=1),
        min_samples=min_samples,
    )
    return est, record_estimate(recon.wh, "acme_prod", est, org_slug="acme", estimated_at=NOW)


def test_an_estimate_is_recorded_with_its_parameters_figures_and_actuals_window(recon: ReconWorld) -> None:
    world(recon)
    _, recorded = back_test(recon)
    (row,) = recon.wh.query("acme_prod", "SELECT * FROM genai_cost_estimates")
    assert (row["task"], row["basis"], row["recommended_provider"], row["recommended_model"]) == (
        "hints",
        "history",
        "openai",
        MODEL,
    )
    assert (row["samples"], row["p50_cost_usd"], row["p90_cost_usd"]) == (5, Decimal("0.0003"), Decimal("0.00076"))
    start = at(DAY + dt.timedelta(days=1), 0)
    assert (row["actuals_from"], row["actuals_until"]) == (start, start + dt.timedelta(days=7))
    assert recorded.actuals_from == start
    assert [m["model"] for m in json_value(row["models"])] == [MODEL]


def test_share_of_later_calls_at_or_below_p90(recon: ReconWorld) -> None:
    world(recon)
    back_test(recon)
    later = DAY + dt.timedelta(days=2)
    for minute, tokens in enumerate((200, 500, 760, 761)):  # $0.0002, $0.0005, $0.00076 (= p90: counts), $0.000761
        recon.event(at(later, 9, minute), input_uncached_tokens=tokens)
    recon.event(at(later, 10), input_uncached_tokens=100, output_audio_tokens=10)  # no audio rate: unpriced
    recon.event(at(later, 11), feature="chat", input_uncached_tokens=5_000)  # another task
    recon.event(at(DAY + dt.timedelta(days=9), 9), input_uncached_tokens=5_000)  # after the 7-day horizon
    recon.event(at(later, 12), model="gpt-unknown-model", input_uncached_tokens=5)  # unpriced model: never compared
    recon.price_events()
    (c,) = recon.wh.query("acme_prod", "SELECT * FROM genai_estimate_calibration")
    assert (c["state"], c["actual_calls"], c["unpriced_calls"]) == ("complete", 4, 1)
    assert (c["calls_at_or_below_p50"], c["calls_at_or_below_p90"], c["at_or_below_p90_pct"]) == (1, 3, 75)
    # (0.0002 + 0.0005 + 0.00076 + 0.000761) / 4
    assert c["actual_mean_cost_usd"] == Decimal("0.00055525")


def test_a_default_estimate_is_recorded_but_not_calibrated(recon: ReconWorld) -> None:
    world(recon)
    back_test(recon, min_samples=6)
    (row,) = recon.wh.query("acme_prod", "SELECT basis, recommended_model, p90_cost_usd FROM genai_cost_estimates")
    assert row == {"basis": "default", "recommended_model": None, "p90_cost_usd": None}
    assert recon.wh.query("acme_prod", "SELECT * FROM genai_estimate_calibration") == []
