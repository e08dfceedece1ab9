"""Estimates from history: exact percentiles computed by hand, basis history vs default, recommendation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from genai_costs.reconciliation.estimate import estimate

from .conftest import DAY, MODEL, TODAY, ReconWorld, at


def history(recon: ReconWorld, *, failed: int = 0) -> None:
    recon.usage(at(DAY, 8), input_uncached_tokens=1_000_000)  # prices input on DAY ($1 per 1M)
    recon.consolidate()
    for i, tokens in enumerate((300, 100, 1000, 400, 200)):
        recon.event(at(DAY, 8, i), input_uncached_tokens=tokens, status="failed" if i < failed else "succeeded")
    recon.event(at(DAY, 9), feature="chat", input_uncached_tokens=99_999)  # another task: not counted
    recon.price_events()


def run(recon: ReconWorld, **kwargs):
    return estimate(recon.wh, "acme_prod", task="hints", start=TODAY - dt.timedelta(days=30), end=TODAY, **kwargs)


def test_percentiles_of_tokens_and_cost_per_model(recon: ReconWorld) -> None:
    history(recon)
    est = run(recon, min_samples=5)
    (m,) = est.models
    # sorted 100, 200, 300, 400, 1000: p50 = 300; p90 sits at 0.9 x 4 = 3.6 -> 400 + 0.6 x 600 = 760
    assert (m.model, m.basis, m.samples) == (MODEL, "history", 5)
    assert (m.p50_input_tokens, m.p90_input_tokens) == (300, 760)
    assert (m.p50_cost_usd, m.p90_cost_usd) == (Decimal("0.0003"), Decimal("0.00076"))
    assert est.recommended_model == MODEL


def test_too_little_history_falls_back_to_documented_defaults(recon: ReconWorld) -> None:
    history(recon)
    est = run(recon, min_samples=6, complexity="medium")
    (m,) = est.models
    assert (m.basis, m.samples, m.p50_input_tokens, m.p50_output_tokens) == ("default", 5, 10_000, 25_000)
    assert est.recommended_model is None


def test_a_model_below_the_quality_signal_is_not_recommended(recon: ReconWorld) -> None:
    history(recon, failed=1)  # 4 of 5 succeeded: 80 % < 95 %
    est = run(recon, min_samples=5)
    assert est.models[0].success_rate == Decimal("0.8") and est.recommended_model is None
