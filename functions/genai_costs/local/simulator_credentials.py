"""Secret JSON for each provider pointing the real clients at a running provider simulator."""

from __future__ import annotations


def simulator_credentials(base_url: str, org: str, seed: int) -> dict[str, dict]:
    from provider_sim.catalog import gemini_projects, vertex_projects

    gcp = {"access_token": "sim-gcp-token", "monitoring_base_url": f"{base_url}/gcp/monitoring",
           "bigquery_api_endpoint": f"{base_url}/gcp", "billing_export_table": "billing-proj.billing.gcp_billing_export_v1_SIM"}
    return {
        "openai": {"admin_api_key": "sk-admin-sim-openai", "base_url": f"{base_url}/openai/v1"},
        "anthropic": {"admin_api_key": "sk-ant-admin01-sim-anthropic", "base_url": f"{base_url}/anthropic"},
        "azure_openai": {"tenant_id": "00000000-0000-4000-8000-00000000000a", "client_id": "sim-client",
                         "client_secret": "sim-client-secret", "subscription_id": "00000000-0000-4000-8000-000000000001",
                         "resource_group": "rg-genai", "account_name": "aoai-sim-eastus",
                         "arm_base_url": f"{base_url}/azure", "access_token": "sim-azure-token"},
        "aws_bedrock": {"aws_access_key_id": "AKIASIMULATOR0000001", "aws_secret_access_key": "sim-aws-secret-key",
                        "region": "us-east-1", "cloudwatch_endpoint_url": f"{base_url}/aws/cloudwatch",
                        "ce_endpoint_url": f"{base_url}/aws/ce"},
        "vertex_ai": {"project_id": vertex_projects(org)[0], **gcp},
        "gemini": {"project_id": gemini_projects(seed, org)[0], **gcp},
    }
