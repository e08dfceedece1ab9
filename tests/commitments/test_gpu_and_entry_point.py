"""Vertex GPU hours per endpoint x deployed model x hour reconcile with the billing export; the
Cloud Function entry point acknowledges permanent failures and ledgers them."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from cloudevents.conversion import to_structured
from cloudevents.http import CloudEvent
from functions_framework import create_app

from genai_costs.ingestion.commitment import ingest_commitment
from genai_costs.model.messages import CommitmentMessage
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from provider_sim.commitments import GPU_HOURLY_USD, gpu_deployments, gpu_sku, replicas

from .conftest import CONFIG, credentials

UTC = UTC
MAIN = Path(__file__).resolve().parents[2] / "functions" / "ingest_commitment" / "main.py"


def test_gpu_hours_per_endpoint_model_and_hour_reconcile_with_billing(env):
    wh, store = env
    result = ingest_commitment(
        CommitmentMessage(
            org_slug="acme", commitment_type="vertex_gpu", start_date="2025-10-01", end_date="2025-10-03"
        ),
        warehouse=wh,
        secrets=store,
    )
    got = wh.query("acme_prod", "SELECT * FROM genai_infrastructure_vertex_ai_gpu WHERE usage_date >= '2000-01-01'")
    deployments = {d.deployed_model_id: d for d in gpu_deployments(CONFIG)}
    assert result.rows_usage == len(got) == len(deployments) * 48
    billed: dict[tuple, Decimal] = defaultdict(Decimal)
    for row in got:
        d = deployments[row["deployed_model_id"]]
        n = replicas(CONFIG, d, row["hour_start"])
        assert (row["endpoint_id"], row["model"], row["region"]) == (d.endpoint_id, d.display_name, d.location)
        assert (row["accelerator_type"], row["accelerator_count"]) == (d.accelerator_type, d.accelerator_count)
        assert row["replica_hours"] == n and row["gpu_hours"] == n * d.accelerator_count
        assert row["hourly_rate_usd"] == GPU_HOURLY_USD[d.accelerator_type]
        assert (row["sku_id"], row["sku_description"]) == gpu_sku(d.accelerator_type, d.location)
        assert "Online Prediction" in row["sku_description"]
        billed[(row["hour_start"], d.location, d.accelerator_type)] += row["provider_cost_usd"]
    # The billing export's GPU SKU hour is fully attributed, split by GPU-hours across deployed models.
    for (hour, location, accelerator), attributed in billed.items():
        gpu_seconds = sum(
            replicas(CONFIG, d, hour) * d.accelerator_count * 3600
            for d in deployments.values()
            if (d.location, d.accelerator_type) == (location, accelerator)
        )
        invoice = round(float(GPU_HOURLY_USD[accelerator] * gpu_seconds / 3600), 6)
        assert abs(attributed - Decimal(str(invoice))) < Decimal("0.000001")
    ledger = wh.query(
        "acme_prod", "SELECT flow, provider, status FROM genai_ingestion_runs WHERE event_date >= '2000-01-01'"
    )
    assert {(e["flow"], e["provider"]) for e in ledger} == {("infrastructure", "vertex_gpu")}


def _event(body: dict) -> CloudEvent:
    data = {
        "message": {"data": base64.b64encode(json.dumps(body).encode()).decode(), "messageId": "m-1"},
        "subscription": "projects/p/subscriptions/s",
    }
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub/test",
            "id": "evt-1",
            "time": datetime.now(UTC).isoformat(),
        },
        data,
    )


def test_entry_point_acknowledges_missing_configuration_and_ledgers_it(sim, acme_onboarded):
    open_secret_store(get_settings()).put("genai-acme-vertex_ai", json.dumps(credentials(sim[0])["vertex_ai"]))
    client = create_app("ingest_commitment", str(MAIN), "cloudevent").test_client()
    headers, body = to_structured(
        _event(
            {"org_slug": "acme", "commitment_type": "vertex_gsu", "start_date": "2025-10-05", "end_date": "2025-10-06"}
        )
    )
    response = client.post("/", headers=headers, data=body)
    assert response.status_code == 200  # permanent (configuration) failure: acknowledged, not retried
    headers, body = to_structured(
        _event(
            {"org_slug": "acme", "commitment_type": "vertex_gpu", "start_date": "2025-10-05", "end_date": "2025-10-06"}
        )
    )
    assert client.post("/", headers=headers, data=body).status_code == 200
    with open_warehouse(get_settings()) as wh:
        runs = wh.query(
            "acme_prod",
            "SELECT provider, status, error_kind, trigger_id FROM genai_ingestion_runs "
            "WHERE event_date >= '2000-01-01' ORDER BY event_at",
        )
        assert [(r["provider"], r["status"], r["error_kind"]) for r in runs] == [
            ("vertex_gsu", "started", None),
            ("vertex_gsu", "failed", "ConfigurationError"),
            ("vertex_gpu", "started", None),
            ("vertex_gpu", "succeeded", None),
        ]
        assert {r["trigger_id"] for r in runs} == {"evt-1"}
        n = wh.query(
            "acme_prod", "SELECT COUNT(*) AS n FROM genai_infrastructure_vertex_ai_gpu WHERE usage_date >= '2000-01-01'"
        )[0]["n"]
        assert n == len(gpu_deployments(CONFIG)) * 24
