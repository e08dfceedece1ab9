"""The deployment guide (terraform/README.md) stays true to the code: every Google API the code and
the module call is in its `gcloud services enable` list, every provider's secret JSON is documented
with the fields its credentials model requires, and no step stores a bare key."""

from __future__ import annotations

import re

import pytest

from .conftest import REPO, TERRAFORM, check

GUIDE = (TERRAFORM / "README.md").read_text()

# Terraform resource type prefix -> the APIs it needs. A resource type missing here fails the test,
# so adding one makes you check the guide's API list.
RESOURCE_APIS = {
    "google_bigquery_": {"bigquery"},
    "google_secret_manager_": {"secretmanager"},
    "google_pubsub_": {"pubsub"},
    "google_cloud_scheduler_": {"cloudscheduler"},
    "google_cloudfunctions2_": {"cloudfunctions", "run", "cloudbuild", "artifactregistry"},
    "google_cloud_run_v2_": {"run"},
    "google_storage_": {"storage"},
    "google_service_account": {"iam"},
    "google_project_iam_": {"cloudresourcemanager"},
    "google_project": {"cloudresourcemanager"},
}
# Client libraries the functions import -> the API they call.
LIBRARY_APIS = {
    "bigquery": "bigquery",
    "secretmanager": "secretmanager",
    "pubsub_v1": "pubsub",
    "pubsub": "pubsub",
    "monitoring_v3": "monitoring",
}


def enabled_apis() -> set[str]:
    block = re.search(r"gcloud services enable(.*?)--project PROJECT_ID", GUIDE, re.S)
    assert block, "the guide must list the APIs in one `gcloud services enable ... --project PROJECT_ID`"
    return set(re.findall(r"([a-z]+)\.googleapis\.com", block.group(1)))


def test_every_api_the_module_and_the_functions_call_is_enabled_by_the_guide():
    needed: set[str] = set()
    for block in check.iter_blocks(TERRAFORM):
        prefix = next((p for p in RESOURCE_APIS if block.type.startswith(p)), None)
        assert prefix, f"{block.type}: which API does it need? add it to RESOURCE_APIS and to the guide"
        needed |= RESOURCE_APIS[prefix]
    sources = [p.read_text() for p in (REPO / "functions").rglob("*.py")] + [
        p.read_text() for p in check.tf_files(TERRAFORM)
    ]
    for text in sources:
        # REST endpoints called directly, e.g. https://monitoring.googleapis.com, https://{location}-aiplatform...
        needed |= {m for m in re.findall(r"https://(?:\{location\}-)?([a-z]+)\.googleapis\.com", text) if m != "www"}
        needed |= {LIBRARY_APIS[m] for m in re.findall(r"from google\.cloud import (\w+)", text)}
    missing = needed - enabled_apis()
    assert not missing, f"the guide's `gcloud services enable` misses {sorted(missing)}"
    assert {"monitoring", "aiplatform", "cloudresourcemanager"} <= needed  # the scan did see them


def secret_rows() -> dict[str, str]:
    section = GUIDE.split("## 5. Add the provider secrets")[1].split("## 6.")[0]
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", section, re.M)}


def credentials_models():
    from genai_costs.providers.anthropic import AnthropicCredentials
    from genai_costs.providers.aws_bedrock import AwsCredentials
    from genai_costs.providers.azure_openai import AzureCredentials
    from genai_costs.providers.gcp_monitoring import GcpCredentials
    from genai_costs.providers.ids import PROVIDERS
    from genai_costs.providers.openai import OpenAICredentials

    models = {
        "openai": OpenAICredentials,
        "anthropic": AnthropicCredentials,
        "azure_openai": AzureCredentials,
        "aws_bedrock": AwsCredentials,
        "vertex_ai": GcpCredentials,
        "gemini": GcpCredentials,
    }
    assert set(models) == set(PROVIDERS), "a new provider needs its secret format in the guide"
    return models


@pytest.mark.parametrize("provider", sorted(credentials_models()))
def test_each_providers_secret_json_is_documented_field_by_field(provider: str):
    model = credentials_models()[provider]
    row = secret_rows()[provider]
    section = GUIDE.split("## 5. Add the provider secrets")[1].split("## 6.")[0]
    for name, field in model.model_fields.items():
        if field.is_required():
            assert f'"{name}"' in row, f"{provider}: required secret field {name} is not in the guide's table"
        else:
            # Simulator / test endpoints are covered by the guide's `*_url` / `*_endpoint*` note.
            documented = name in section or name.endswith("_url") or "_endpoint" in name
            assert documented, f"{provider}: optional field {name} is not explained in the guide"


def test_secrets_are_stored_as_json_never_as_a_bare_key():
    section = GUIDE.split("## 5. Add the provider secrets")[1].split("## 6.")[0]
    commands = re.split(r"\n(?=\S)", "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S)))
    adds = [c for c in commands if "gcloud secrets versions add" in c]
    assert len(adds) >= 3
    for command in adds:
        assert re.match(r"^(\w+=\"\$\w+\" )?jq -n", command), f"not a JSON object built by jq:\n{command}"
        assert "--data-file=-" in command
    # The earlier form stored the raw key; it must never come back.
    assert not re.search(r"printf '%s' \"\$\w+\" \| gcloud secrets versions add", GUIDE)


def test_guide_explains_the_billing_export_and_keyless_google_access():
    billing = GUIDE.split("## 1. Set up the Cloud Billing export")[1].split("## 2.")[0]
    for needed in (
        "bigquerydatatransfer.googleapis.com",
        "Standard usage cost",
        "Detailed usage cost",
        "gcp_billing_export_v1_",
        "gcp_billing_export_resource_v1_",
        "gcp_sources.billing_export",
        "billing_export_table",
    ):
        assert needed in billing, needed
    assert "iam.disableServiceAccountKeyCreation" in GUIDE and "gcp_sources=" in GUIDE
