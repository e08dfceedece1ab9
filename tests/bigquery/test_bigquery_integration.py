"""The same pipeline on real BigQuery: onboard, load raw usage, consolidate, and get exactly the
costs the embedded engine computes. Selected with `pytest -m bigquery` and a project:

    GENAI_COSTS_IT_PROJECT=my-project GENAI_COSTS_IT_LOCATION=US pytest -m bigquery tests/bigquery

It creates a dataset `it_<random>_prod` and deletes it afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from decimal import Decimal

import pytest

PROJECT = os.environ.get("GENAI_COSTS_IT_PROJECT")
pytestmark = [
    pytest.mark.bigquery,
    pytest.mark.skipif(not PROJECT, reason="set GENAI_COSTS_IT_PROJECT (and credentials) to run against real BigQuery"),
]


@pytest.fixture
def bigquery_world(warehouse):
    from google.cloud import bigquery

    from genai_costs.warehouse.bigquery_backend import BigQueryWarehouse

    slug = f"it_{uuid.uuid4().hex[:8]}"
    bq = BigQueryWarehouse(PROJECT, location=os.environ.get("GENAI_COSTS_IT_LOCATION", "US"))
    yield slug, bq
    bigquery.Client(project=PROJECT).delete_dataset(f"{PROJECT}.{slug}_prod", delete_contents=True, not_found_ok=True)


def test_bigquery_and_embedded_compute_the_same_costs(bigquery_world, warehouse):
    from genai_costs.consolidation import consolidate
    from genai_costs.model.messages import ConsolidateMessage
    from genai_costs.onboarding import OnboardRequest, onboard
    from genai_costs.paths import sql_root
    from genai_costs.warehouse.tables import load_table_specs

    slug, bq = bigquery_world
    specs = load_table_specs(sql_root())
    start = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    rows = [
        {
            "record_id": f"r{i}",
            "run_id": "it",
            "ingested_at": start,
            "org_slug": slug,
            "provider": "openai",
            "source": "it",
            "bucket_start": start,
            "bucket_width": "1d",
            "usage_date": start.date(),
            "model": model,
            "project_id": "p",
            "input_uncached_tokens": 1_000_000,
            "input_cached_tokens": 400_000,
            "cache_write_5m_tokens": 0,
            "cache_write_1h_tokens": 0,
            "input_audio_tokens": 0,
            "output_tokens": 500_000,
            "output_audio_tokens": 0,
            "requests": 1,
            "provider_total_tokens": 1_900_000,
        }
        for i, model in enumerate(["gpt-4o-2024-08-06", "gpt-4.1", "unknown-model-x"])
    ]
    totals = {}
    for name, wh in (("bigquery", bq), ("embedded", warehouse)):
        onboard(wh, OnboardRequest(org_slug=slug))
        wh.load_rows(f"{slug}_prod", specs["genai_payg_openai_usage"], rows)
        consolidate(ConsolidateMessage(org_slug=slug, start_date="2026-11-02", end_date="2026-11-03"), warehouse=wh)
        result = wh.query(
            f"{slug}_prod",
            "SELECT cost_status, SUM(cost_usd) AS cost, COUNT(*) AS n "
            "FROM genai_costs_daily_unified WHERE usage_date = @p_day "
            "GROUP BY cost_status ORDER BY cost_status",
            {"p_day": start.date()},
        )
        totals[name] = [
            (r["cost_status"], Decimal(r["cost"]) if r["cost"] is not None else None, r["n"]) for r in result
        ]
    assert totals["bigquery"] == totals["embedded"]
