"""``GET /costs/estimate``: the estimate from history (genai_costs.reconciliation.estimate) in the shape of
the user's cost-tracking guide: ``estimated_input_tokens``, ``estimated_output_tokens``, ``model_estimates``
per model (``estimated_cost_usd``, ``estimated_tokens``) and ``recommended_model``, with the history behind
each figure (basis, samples, p50 / p90).

``task`` (a feature, service or workflow) says whose calls the history comes from; ``tech_stack`` is echoed
and does not change the figures: the task's own calls already reflect its stack."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..orgs import dataset_for
from ..reconciliation.estimate import DEFAULT_TOKENS, Complexity, Estimate, ModelEstimate, estimate
from ..warehouse.base import Warehouse
from .money import Money


class EstimateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    task: str = Field(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")
    complexity: Complexity | None = None
    tech_stack: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list, max_length=20)
    period_days: int = Field(30, ge=1, le=90, description="days of history before today")
    min_samples: int = Field(20, ge=1, le=100_000)


class ModelFigures(BaseModel):
    provider: str
    basis: str
    samples: int
    success_rate: Decimal | None
    estimated_cost_usd: Money | None  # p50 of the cost per call; null on a default basis (no priced history)
    p90_cost_usd: Money | None
    estimated_tokens: int  # p50 input + p50 output
    estimated_input_tokens: int
    estimated_output_tokens: int
    p90_input_tokens: int
    p90_output_tokens: int


class EstimateResponse(BaseModel):
    task: str
    complexity: str | None
    tech_stack: list[str]
    window_start: dt.date
    window_end: dt.date
    estimated_input_tokens: int  # the recommended model's p50, else the complexity's documented default
    estimated_output_tokens: int
    model_estimates: dict[str, ModelFigures]  # by model; "provider/model" where two providers share a name
    recommended_model: str | None
    min_samples: int
    min_success_rate: Decimal


def _whole(value: float | None) -> int:
    return round(value or 0)


def _figures(m: ModelEstimate) -> ModelFigures:
    return ModelFigures(
        provider=m.provider,
        basis=m.basis,
        samples=m.samples,
        success_rate=m.success_rate,
        estimated_cost_usd=m.p50_cost_usd,
        p90_cost_usd=m.p90_cost_usd,
        estimated_tokens=_whole(m.p50_input_tokens) + _whole(m.p50_output_tokens),
        estimated_input_tokens=_whole(m.p50_input_tokens),
        estimated_output_tokens=_whole(m.p50_output_tokens),
        p90_input_tokens=_whole(m.p90_input_tokens),
        p90_output_tokens=_whole(m.p90_output_tokens),
    )


def shaped(est: Estimate, tech_stack: list[str]) -> EstimateResponse:
    names = [m.model for m in est.models]
    figures = {(m.model if names.count(m.model) == 1 else f"{m.provider}/{m.model}"): _figures(m) for m in est.models}
    chosen = next((m for m in est.models if m.model == est.recommended_model), None)
    default_in, default_out = DEFAULT_TOKENS[est.complexity or "medium"]
    return EstimateResponse(
        task=est.task,
        complexity=est.complexity,
        tech_stack=tech_stack,
        window_start=est.window_start,
        window_end=est.window_end,
        estimated_input_tokens=_whole(chosen.p50_input_tokens) if chosen else default_in,
        estimated_output_tokens=_whole(chosen.p50_output_tokens) if chosen else default_out,
        model_estimates=figures,
        recommended_model=est.recommended_model,
        min_samples=est.min_samples,
        min_success_rate=est.min_success_rate,
    )


def estimate_report(warehouse: Warehouse, org_slug: str, query: EstimateQuery, *, today: dt.date) -> EstimateResponse:
    est = estimate(
        warehouse,
        dataset_for(org_slug),
        task=query.task,
        start=today - dt.timedelta(days=query.period_days),
        end=today + dt.timedelta(days=1),
        complexity=query.complexity,
        min_samples=query.min_samples,
    )
    return shaped(est, query.tech_stack)
