"""Commitment flows against the provider simulator (one live server for the module: boto3 needs a socket)."""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

try:
    import provider_sim

    if getattr(provider_sim, "__file__", None) is None:
        raise ImportError("provider_sim resolved to a namespace package")
except ImportError:
    sys.modules.pop("provider_sim", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "simulator"))

from genai_costs.onboarding import OnboardRequest, onboard
from genai_costs.paths import sql_root
from genai_costs.secrets.local import LocalSecretStore
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse
from genai_costs.warehouse.tables import load_table_specs
from provider_sim import SimConfig, serve
from provider_sim.catalog import AZURE_ACCOUNT, AZURE_RESOURCE_GROUP, AZURE_SUBSCRIPTION
from provider_sim.dataset import Dataset

MONTH = {"start_date": "2025-10-01", "end_date": "2025-11-01"}
CONFIG = SimConfig(start=date(2025, 10, 1), end=date(2025, 11, 1))
# Credential values that must never surface in logs, errors or the ledger.
AZURE_CLIENT_SECRET = "azure-client-secret-DO-NOT-LOG-1234"
AWS_SECRET = "aws-secret-access-key-DO-NOT-LOG-5678"
GCP_TOKEN = "gcp-access-token-DO-NOT-LOG-9012"
SECRET_VALUES = (AZURE_CLIENT_SECRET, AWS_SECRET, GCP_TOKEN, "sim-azure-token")


@pytest.fixture(scope="session")
def sim() -> Iterator[tuple[str, Dataset]]:
    base_url, stop = serve(CONFIG)
    yield base_url, Dataset(CONFIG)
    stop()


def credentials(base: str) -> dict[str, dict]:
    return {
        "azure_openai": {
            "tenant_id": "tenant-1",
            "client_id": "client-1",
            "client_secret": AZURE_CLIENT_SECRET,
            "subscription_id": AZURE_SUBSCRIPTION,
            "resource_group": AZURE_RESOURCE_GROUP,
            "account_name": AZURE_ACCOUNT,
            "arm_base_url": f"{base}/azure",
            "access_token": "sim-azure-token",
            "retail_prices_base_url": f"{base}/azure-prices",
        },
        "aws_bedrock": {
            "aws_access_key_id": "AKIASIMULATOR0000001",
            "aws_secret_access_key": AWS_SECRET,
            "region": "us-east-1",
            "cloudwatch_endpoint_url": f"{base}/aws/cloudwatch",
            "bedrock_endpoint_url": f"{base}/aws/bedrock",
        },
        "vertex_ai": {
            "project_id": "acme-genai-prod",
            "access_token": GCP_TOKEN,
            "monitoring_base_url": f"{base}/gcp/monitoring",
            "aiplatform_base_url": f"{base}/gcp/aiplatform",
            "bigquery_api_endpoint": f"{base}/gcp",
            "billing_export_table": "billing-admin.billing.gcp_billing_export_v1_SIM",
        },
    }


@pytest.fixture(scope="session")
def onboarded_file(tmp_path_factory) -> Path:
    """An onboarded embedded warehouse, built once; each test works on its own copy (onboarding
    every table, procedure and view takes about a second)."""
    path = tmp_path_factory.mktemp("onboarded") / "warehouse.duckdb"
    wh = DuckDBWarehouse(path)
    onboard(wh, OnboardRequest(org_slug="acme"))
    wh.close()
    return path


@pytest.fixture
def commitment_warehouse(onboarded_file, tmp_path) -> Iterator[DuckDBWarehouse]:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(onboarded_file, copy)
    wh = DuckDBWarehouse(copy)
    yield wh
    wh.close()


@pytest.fixture
def env(commitment_warehouse, tmp_path, sim):
    warehouse = commitment_warehouse
    store = LocalSecretStore(tmp_path / "s", tmp_path / "k")
    for provider, creds in credentials(sim[0]).items():
        store.put(f"genai-acme-{provider}", json.dumps(creds))
    return warehouse, store


def add_subscription(warehouse, **fields) -> str:
    """Insert one enabled commitment row into the org's llm_subscriptions."""
    spec = load_table_specs(sql_root())["llm_subscriptions"]
    row = {
        "subscription_id": str(uuid.uuid4()),
        "plan_name": fields.pop("plan_name", "TEST_COMMITMENT"),
        "is_custom": True,
        "quantity": fields.get("commitment_units") or 1,
        "unit_price_usd": Decimal(0),
        "effective_date": date(2025, 1, 1),
        "is_enabled": True,
        "tier_type": "committed_use",
        "currency": "USD",
        **fields,
    }
    warehouse.load_rows("acme_prod", spec, [row])
    return row["subscription_id"]


def rows(warehouse, table: str, where: str = "usage_date >= '2000-01-01'") -> list[dict]:
    return warehouse.query("acme_prod", f"SELECT * FROM {table} WHERE {where} ORDER BY commitment_id, hour_start")
