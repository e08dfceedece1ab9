"""What an organization would configure for the simulated providers: secret JSON pointing the
real clients at the simulator, and the commitment terms no provider API exposes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from genai_costs.model.provider_catalog import PROVIDERS, commitment_type
from genai_costs.orgs import dataset_for
from genai_costs.paths import sql_root
from genai_costs.warehouse.base import Warehouse
from genai_costs.warehouse.identifiers import bind_identifiers
from genai_costs.warehouse.sqlfiles import load_statement
from genai_costs.warehouse.tables import load_table_specs

if TYPE_CHECKING:  # the simulator is imported only when the local pipeline runs
    from provider_sim.config import SimConfig


def simulator_credentials(base_url: str, org: str, seed: int) -> dict[str, dict[str, str]]:
    from provider_sim.catalog import INVOCATION_LOG_GROUP, gemini_projects, vertex_projects

    gcp = {
        "access_token": "sim-gcp-token",
        "monitoring_base_url": f"{base_url}/gcp/monitoring",
        "bigquery_api_endpoint": f"{base_url}/gcp",
        "aiplatform_base_url": f"{base_url}/gcp/aiplatform",
        "billing_export_table": "billing-proj.billing.gcp_billing_export_v1_SIM",
    }
    return {
        "openai": {"admin_api_key": "sk-admin-sim-openai", "base_url": f"{base_url}/openai/v1"},
        "anthropic": {"admin_api_key": "sk-ant-admin01-sim-anthropic", "base_url": f"{base_url}/anthropic"},
        "azure_openai": {
            "tenant_id": "00000000-0000-4000-8000-00000000000a",
            "client_id": "sim-client",
            "client_secret": "sim-client-secret",
            "subscription_id": "00000000-0000-4000-8000-000000000001",
            "resource_group": "rg-genai",
            "account_name": "aoai-sim-eastus",
            "arm_base_url": f"{base_url}/azure",
            "access_token": "sim-azure-token",
            "retail_prices_base_url": f"{base_url}/azure-prices",
        },
        "aws_bedrock": {
            "aws_access_key_id": "AKIASIMULATOR0000001",
            "aws_secret_access_key": "sim-aws-secret-key",
            "region": "us-east-1",
            "cloudwatch_endpoint_url": f"{base_url}/aws/cloudwatch",
            "ce_endpoint_url": f"{base_url}/aws/ce",
            "bedrock_endpoint_url": f"{base_url}/aws/bedrock",
            "logs_endpoint_url": f"{base_url}/aws/logs",
            "invocation_log_group": INVOCATION_LOG_GROUP,
        },
        "vertex_ai": {"project_id": vertex_projects(org)[0], **gcp},
        "gemini": {"project_id": gemini_projects(seed, org)[0], **gcp},
    }


def configure_simulated_commitments(warehouse: Warehouse, org: str, config: SimConfig) -> int:
    """llm_subscriptions rows for the simulator's Bedrock provisioned throughput (price per model
    unit-hour) and Vertex GSU order (count, term, price): a user enters these for real ones."""
    from provider_sim.dataset import Dataset

    spec = load_table_specs(sql_root())["llm_subscriptions"]
    by_simulator_name = {p.simulator.dataset: p for p in PROVIDERS}
    rows = []
    for c in Dataset(config).commitments:
        entry = by_simulator_name[c.provider]
        kind = entry.provisioned_commitment_type
        if kind is None or not commitment_type(kind).requires_subscription:
            continue  # e.g. Azure PTU: terms and prices come from Azure's own APIs
        provider = entry.id
        rows.append(
            dict.fromkeys(spec.field_names)
            | {
                # Deterministic id: re-running the demo replaces nothing and adds nothing.
                "subscription_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"genai-costs/demo/{org}/{kind}/{c.name}")),
                "provider": provider,
                "plan_name": f"DEMO_{kind.upper()}_{c.name}"[:60],
                "is_custom": True,
                "quantity": c.units,
                "unit_price_usd": Decimal(0),
                "effective_date": dt.date(2025, 1, 1),
                "is_enabled": True,
                "tier_type": "committed_use",
                "currency": "USD",
                "commitment_type": kind,
                "model_id": c.model,
                "region": c.region,
                "commitment_units": c.units,
                "unit_hourly_price_usd": c.unit_hourly_usd,
                "tpm_limit": getattr(c, "tokens_per_unit_minute", None),
                "commitment_start_date": c.start.date() if kind == "vertex_gsu" else None,
                "commitment_end_date": c.end.date() - dt.timedelta(days=1) if kind == "vertex_gsu" and c.end else None,
                "commitment_term_months": 1 if kind == "vertex_gsu" else None,
            }
        )
    insert_missing = bind_identifiers(
        load_statement(sql_root(), "seed_insert_missing").parsed(),
        {"target_table": "llm_subscriptions"},
        {"key_column": "subscription_id"},
    )
    return warehouse.apply_staged(dataset_for(org), spec, rows, [insert_missing])
