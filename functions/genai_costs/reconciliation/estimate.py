"""Cost estimates before execution, from the organization's own usage events.

Per model: p50 / p90 of input tokens, output tokens and cost for one task (feature, service or
workflow) over a window, with the sample count. A model with at least ``min_samples`` priced events has
``basis: "history"``; with fewer, the figures are the documented defaults per complexity (the user's
cost-tracking guide: medium = 10,000 input and 25,000 output tokens) and ``basis: "default"``.

The recommended model is the cheapest by p50 cost among the models with a history basis whose success
rate meets the quality signal (default 95 % of calls succeeded).

Each estimate given can be recorded (``record_estimate``, table ``genai_cost_estimates``) so the calls that
follow it can be compared with it: ``genai_estimate_calibration`` counts how many cost at most its p90."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..paths import sql_root
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs

ESTIMATES_TABLE = "genai_cost_estimates"
DEFAULT_HORIZON = dt.timedelta(days=7)  # how long after an estimate its calls count as its actuals

# Documented defaults (tokens per call) when history is too thin; medium is the guide's own example.
DEFAULT_TOKENS: dict[str, tuple[int, int]] = {
    "trivial": (1_000, 2_000),
    "simple": (3_000, 8_000),
    "medium": (10_000, 25_000),
    "complex": (30_000, 60_000),
    "very_complex": (80_000, 150_000),
}
Complexity = Literal["trivial", "simple", "medium", "complex", "very_complex"]


class ModelEstimate(BaseModel):
    provider: str
    model: str
    basis: Literal["history", "default"]
    samples: int
    success_rate: Decimal | None
    p50_input_tokens: float | None
    p90_input_tokens: float | None
    p50_output_tokens: float | None
    p90_output_tokens: float | None
    p50_cost_usd: Decimal | None
    p90_cost_usd: Decimal | None


class Estimate(BaseModel):
    task: str
    complexity: Complexity | None
    window_start: dt.date
    window_end: dt.date
    min_samples: int
    min_success_rate: Decimal
    models: list[ModelEstimate] = Field(default_factory=list)
    recommended_model: str | None = None
    default_input_tokens: int | None = None
    default_output_tokens: int | None = None


def estimate(
    warehouse: Warehouse,
    dataset: str,
    *,
    task: str,
    start: dt.date,
    end: dt.date,
    complexity: Complexity | None = None,
    min_samples: int = 20,
    min_success_rate: Decimal = Decimal("0.95"),
) -> Estimate:
    rows: list[dict[str, Any]] = warehouse.query(
        dataset,
        load_statement(sql_root(), "cost_estimate"),
        {"p_task": task, "p_start_date": start, "p_end_date": end},
    )
    defaults = DEFAULT_TOKENS[complexity or "medium"]
    result = Estimate(
        task=task,
        complexity=complexity,
        window_start=start,
        window_end=end,
        min_samples=min_samples,
        min_success_rate=min_success_rate,
        default_input_tokens=defaults[0],
        default_output_tokens=defaults[1],
    )
    for r in rows:
        history = r["samples"] >= min_samples
        if history:
            result.models.append(ModelEstimate(basis="history", **r))
        else:
            result.models.append(
                ModelEstimate(
                    provider=r["provider"],
                    model=r["model"],
                    basis="default",
                    samples=r["samples"],
                    success_rate=r["success_rate"],
                    p50_input_tokens=defaults[0],
                    p90_input_tokens=defaults[0],
                    p50_output_tokens=defaults[1],
                    p90_output_tokens=defaults[1],
                    p50_cost_usd=None,
                    p90_cost_usd=None,
                )
            )
    eligible = [
        m
        for m in result.models
        if m.basis == "history" and m.p50_cost_usd is not None and (m.success_rate or 0) >= min_success_rate
    ]
    if eligible:
        result.recommended_model = min(eligible, key=lambda m: (m.p50_cost_usd, m.model)).model
    return result


class RecordedEstimate(BaseModel):
    estimate_id: str
    estimated_at: dt.datetime
    actuals_from: dt.datetime
    actuals_until: dt.datetime


def record_estimate(
    warehouse: Warehouse,
    dataset: str,
    est: Estimate,
    *,
    org_slug: str,
    estimated_at: dt.datetime,
    horizon: dt.timedelta = DEFAULT_HORIZON,
) -> RecordedEstimate:
    """Append one row to genai_cost_estimates. Its actuals are the calls from the end of its history on:
    a live estimate (history through today) from ``estimated_at``; a back-test (history ending on an
    earlier as-of day) from that day's midnight, so no call of the history is also an actual."""
    if estimated_at.tzinfo is None:
        raise ValueError("estimated_at must be timezone-aware")
    history_end = dt.datetime.combine(est.window_end, dt.time(), dt.UTC)
    actuals_from = min(estimated_at, history_end)
    chosen = next((m for m in est.models if m.model == est.recommended_model and m.basis == "history"), None)
    figures: dict[str, Any] = {}
    if chosen is not None:
        figures = chosen.model_dump(
            include={
                "samples",
                "p50_input_tokens",
                "p90_input_tokens",
                "p50_output_tokens",
                "p90_output_tokens",
                "p50_cost_usd",
                "p90_cost_usd",
            }
        )
    row = {
        "estimate_id": str(uuid.uuid4()),
        "org_slug": org_slug,
        "estimated_at": estimated_at,
        "task": est.task,
        "complexity": est.complexity,
        "history_start": est.window_start,
        "history_end": est.window_end,
        "min_samples": est.min_samples,
        "min_success_rate": est.min_success_rate,
        "basis": "history" if chosen is not None else "default",
        "recommended_provider": chosen.provider if chosen is not None else None,
        "recommended_model": chosen.model if chosen is not None else None,
        "samples": None,
        "p50_input_tokens": None,
        "p90_input_tokens": None,
        "p50_output_tokens": None,
        "p90_output_tokens": None,
        "p50_cost_usd": None,
        "p90_cost_usd": None,
        **figures,
        "actuals_from": actuals_from,
        "actuals_until": actuals_from + horizon,
        "models": [m.model_dump(mode="json") for m in est.models],
    }
    warehouse.load_rows(dataset, load_table_specs(sql_root())[ESTIMATES_TABLE], [row])
    return RecordedEstimate(
        estimate_id=row["estimate_id"],
        estimated_at=estimated_at,
        actuals_from=actuals_from,
        actuals_until=row["actuals_until"],
    )
