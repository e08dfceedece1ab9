"""Cloud Billing export rows (standard usage cost table) for Vertex AI and the Gemini API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from provider_sim.catalog import gemini_projects
from provider_sim.commitments import GPU_HOURLY_USD, gpu_deployments, gpu_sku, replicas
from provider_sim.dataset_types import Dims
from provider_sim.prices import line_costs
from provider_sim.stable import stable_hex
from provider_sim.state import SimState
from provider_sim.timeutil import hours

SERVICES = {"vertex": ("C7E2-9256-1C43", "Vertex AI"), "gemini": ("AEFD-7695-64FA", "Gemini API")}
CATEGORY_LABELS = {
    "uncached_input": "Input",
    "cached_input": "Cached Input",
    "cache_write_5m": "Cache Write Input",
    "output": "Output",
}
EXPORT_LAG = timedelta(hours=4)

# BigQuery schema of the rows below (REST `schema.fields` shape).
SCHEMA: list[dict[str, Any]] = [
    {"name": "billing_account_id", "type": "STRING", "mode": "NULLABLE"},
    {
        "name": "service",
        "type": "RECORD",
        "mode": "NULLABLE",
        "fields": [
            {"name": "id", "type": "STRING", "mode": "NULLABLE"},
            {"name": "description", "type": "STRING", "mode": "NULLABLE"},
        ],
    },
    {
        "name": "sku",
        "type": "RECORD",
        "mode": "NULLABLE",
        "fields": [
            {"name": "id", "type": "STRING", "mode": "NULLABLE"},
            {"name": "description", "type": "STRING", "mode": "NULLABLE"},
        ],
    },
    {"name": "usage_start_time", "type": "TIMESTAMP", "mode": "NULLABLE"},
    {"name": "usage_end_time", "type": "TIMESTAMP", "mode": "NULLABLE"},
    {
        "name": "project",
        "type": "RECORD",
        "mode": "NULLABLE",
        "fields": [
            {"name": "id", "type": "STRING", "mode": "NULLABLE"},
            {"name": "name", "type": "STRING", "mode": "NULLABLE"},
        ],
    },
    {
        "name": "labels",
        "type": "RECORD",
        "mode": "REPEATED",
        "fields": [
            {"name": "key", "type": "STRING", "mode": "NULLABLE"},
            {"name": "value", "type": "STRING", "mode": "NULLABLE"},
        ],
    },
    {
        "name": "location",
        "type": "RECORD",
        "mode": "NULLABLE",
        "fields": [
            {"name": "location", "type": "STRING", "mode": "NULLABLE"},
            {"name": "country", "type": "STRING", "mode": "NULLABLE"},
            {"name": "region", "type": "STRING", "mode": "NULLABLE"},
            {"name": "zone", "type": "STRING", "mode": "NULLABLE"},
        ],
    },
    {"name": "export_time", "type": "TIMESTAMP", "mode": "NULLABLE"},
    {"name": "cost", "type": "FLOAT", "mode": "NULLABLE"},
    {"name": "currency", "type": "STRING", "mode": "NULLABLE"},
    {"name": "currency_conversion_rate", "type": "FLOAT", "mode": "NULLABLE"},
    {
        "name": "usage",
        "type": "RECORD",
        "mode": "NULLABLE",
        "fields": [
            {"name": "amount", "type": "FLOAT", "mode": "NULLABLE"},
            {"name": "unit", "type": "STRING", "mode": "NULLABLE"},
            {"name": "amount_in_pricing_units", "type": "FLOAT", "mode": "NULLABLE"},
            {"name": "pricing_unit", "type": "STRING", "mode": "NULLABLE"},
        ],
    },
    {
        "name": "credits",
        "type": "RECORD",
        "mode": "REPEATED",
        "fields": [
            {"name": "name", "type": "STRING", "mode": "NULLABLE"},
            {"name": "amount", "type": "FLOAT", "mode": "NULLABLE"},
            {"name": "full_name", "type": "STRING", "mode": "NULLABLE"},
            {"name": "id", "type": "STRING", "mode": "NULLABLE"},
            {"name": "type", "type": "STRING", "mode": "NULLABLE"},
        ],
    },
    {
        "name": "invoice",
        "type": "RECORD",
        "mode": "NULLABLE",
        "fields": [{"name": "month", "type": "STRING", "mode": "NULLABLE"}],
    },
    {"name": "cost_type", "type": "STRING", "mode": "NULLABLE"},
]


def _dashed(text: str, size: int) -> str:
    return "-".join(text[i : i + size] for i in range(0, len(text), size))


def sku_description(provider: str, dims: Dims, category: str) -> str:
    """Synthetic but shaped like real SKUs, e.g. "Gemini 2.5 Flash Text Input - Predictions"."""
    name = dims.model.replace("-", " ").replace("@", " ").title()
    long_ctx = " Long Context" if dims.context_window == "200k-1M" else ""
    return f"{name} Text {CATEGORY_LABELS[category]}{long_ctx} - Predictions"


def _credits(provider: str, dims: Dims, project_free_tier: str, cost: float) -> list[dict[str, Any]]:
    if provider == "gemini" and dims.project == project_free_tier:
        return [
            {"name": "Gemini API free tier", "amount": -cost, "full_name": None, "id": "free-tier", "type": "FREE_TIER"}
        ]
    if provider == "vertex" and dims.project and dims.project.endswith("-dev"):
        return [
            {
                "name": "Vertex AI promotional credit",
                "amount": -round(cost * 0.25, 6),
                "full_name": None,
                "id": "promo-vertex",
                "type": "PROMOTION",
            }
        ]
    return []


def billing_rows(
    state: SimState, start: datetime, end: datetime, services: set[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Rows with usage_start_time in [start, end), hour by hour (streamed)."""
    config = state.config
    account = _dashed(stable_hex(config.seed, config.org, "billing-account", length=18), 6)
    free_tier_project = gemini_projects(config.seed, config.org)[-1]
    for hour in hours(start, end):
        if hour < start:
            continue
        for provider, (service_id, service_name) in SERVICES.items():
            if services is not None and service_name not in services:
                continue
            exported = hour + timedelta(hours=1) + EXPORT_LAG
            if state.dataset.is_revisable(hour) and state.dataset.revision:
                exported += timedelta(hours=6 * state.dataset.revision)
            rows = sorted(state.dataset.hour_rows(provider, hour), key=lambda r: r.dims)
            if provider == "vertex":
                yield from _gpu_rows(state, hour, account, service_id, service_name, exported)
            for row in rows:
                if row.dims.traffic == "provisioned":
                    continue  # covered by the Provisioned Throughput subscription, no token charge
                region = None if row.dims.region == "global" else row.dims.region
                for category, (quantity, usd) in line_costs(provider, row.dims, row.usage).items():
                    cost = round(float(usd), 6)
                    description = sku_description(provider, row.dims, category)
                    yield {
                        "billing_account_id": account,
                        "service": {"id": service_id, "description": service_name},
                        "sku": {
                            "id": _dashed(stable_hex("sku", description, length=12), 4),
                            "description": description,
                        },
                        "usage_start_time": hour,
                        "usage_end_time": hour + timedelta(hours=1),
                        "project": {"id": row.dims.project, "name": row.dims.project},
                        "labels": [
                            {"key": "env", "value": "dev" if str(row.dims.project).endswith("-dev") else "prod"}
                        ],
                        "location": {
                            "location": row.dims.region,
                            "country": "NL" if region == "europe-west4" else "US",
                            "region": region,
                            "zone": None,
                        },
                        "export_time": exported,
                        "cost": cost,
                        "currency": "USD",
                        "currency_conversion_rate": 1.0,
                        "usage": {
                            "amount": float(quantity),
                            "unit": "count",
                            "amount_in_pricing_units": quantity / 1_000_000,
                            "pricing_unit": "1000000 count",
                        },
                        "credits": _credits(provider, row.dims, free_tier_project, cost),
                        "invoice": {"month": hour.strftime("%Y%m")},
                        "cost_type": "regular",
                    }


def _gpu_rows(
    state: SimState, hour: datetime, account: str, service_id: str, service_name: str, exported: datetime
) -> Iterator[dict[str, Any]]:
    """One row per (project, location, accelerator) and hour: GPU-seconds x the SKU's hourly rate."""
    seconds: dict[tuple[str, str, str], int] = {}
    for d in gpu_deployments(state.config):
        n = replicas(state.config, d, hour)
        if n:
            key = (d.project, d.location, d.accelerator_type)
            seconds[key] = seconds.get(key, 0) + n * d.accelerator_count * 3600
    for (project, location, accelerator), gpu_seconds in sorted(seconds.items()):
        sku_id, description = gpu_sku(accelerator, location)
        gpu_hours = gpu_seconds / 3600
        yield {
            "billing_account_id": account,
            "service": {"id": service_id, "description": service_name},
            "sku": {"id": sku_id, "description": description},
            "usage_start_time": hour,
            "usage_end_time": hour + timedelta(hours=1),
            "project": {"id": project, "name": project},
            "labels": [{"key": "env", "value": "prod"}],
            "location": {
                "location": location,
                "country": "NL" if location == "europe-west4" else "US",
                "region": location,
                "zone": None,
            },
            "export_time": exported,
            "cost": round(float(GPU_HOURLY_USD[accelerator] * gpu_seconds / 3600), 6),
            "currency": "USD",
            "currency_conversion_rate": 1.0,
            "usage": {
                "amount": float(gpu_seconds),
                "unit": "seconds",
                "amount_in_pricing_units": gpu_hours,
                "pricing_unit": "hour",
            },
            "credits": [],
            "invoice": {"month": hour.strftime("%Y%m")},
            "cost_type": "regular",
        }
