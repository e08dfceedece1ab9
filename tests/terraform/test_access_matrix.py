"""The per-function access matrix as Terraform itself computes it.

main.tf and variables.tf need no provider, so a real `terraform apply` of just those files runs
offline: the validation rules, the check blocks and every grant derived from the variables are
evaluated by Terraform, not re-implemented here."""

from __future__ import annotations

import pytest

from .conftest import MODULE, check, terraform_binary

pytestmark = pytest.mark.skipif(terraform_binary() is None, reason="terraform binary not installed")

ALL_PROVIDERS = ["openai", "anthropic", "gemini", "azure_openai", "aws_bedrock", "vertex_ai"]
EVERYTHING = {
    "slug": "acme_corp",
    "providers": ALL_PROVIDERS,
    "commitment_types": ["azure_ptu", "bedrock_pt", "vertex_gsu"],
    "infrastructure_types": ["vertex_gpu"],
}
SOURCES = {
    "vertex_ai_project_id": "acme-vertex",
    "gemini_project_id": "acme-gemini",
    "billing_export": {"project_id": "acme-billing", "dataset_id": "billing_export"},
}


def evaluate(org: dict, gcp_sources: dict | None = None, **extra) -> check.Evaluation:
    return check.evaluate_locals(
        MODULE, {"project_id": "acme-deploy", "org": org, "gcp_sources": gcp_sources or {}, **extra}
    )


def matrix(values: dict) -> dict[str, set[tuple[str, ...]]]:
    """function -> every grant it gets beyond jobUser + dataEditor on its own org's dataset."""
    out: dict[str, set[tuple[str, ...]]] = {"consolidate": set(), "ingest_commitment": set(), "ingest_payg": set()}
    out["onboard"] = set()
    for g in values["secret_grants"].values():
        out[g["function"]].add(("secret", f"genai-acme_corp-{g['provider']}"))
    for g in values["source_project_grants"].values():
        out[g["function"]].add((g["role"], g["project"]))
    for fn in values["billing_export_readers"]:
        out[fn].add(("roles/bigquery.dataViewer", "acme-billing.billing_export"))
    return out


def test_everything_enabled_gives_each_function_exactly_what_it_needs():
    result = evaluate(EVERYTHING, SOURCES)
    assert result.warnings == []
    assert check.check_access_matrix(result.values, EVERYTHING) == []
    got = matrix(result.values)
    assert got["consolidate"] == set() and got["onboard"] == set()
    assert got["ingest_payg"] == {("secret", f"genai-acme_corp-{p}") for p in ALL_PROVIDERS} | {
        ("roles/monitoring.viewer", "acme-vertex"),
        ("roles/monitoring.viewer", "acme-gemini"),
        ("roles/bigquery.dataViewer", "acme-billing.billing_export"),
    }
    assert got["ingest_commitment"] == {
        ("secret", "genai-acme_corp-azure_openai"),
        ("secret", "genai-acme_corp-aws_bedrock"),
        ("secret", "genai-acme_corp-vertex_ai"),
        ("roles/monitoring.viewer", "acme-vertex"),
        ("roles/aiplatform.viewer", "acme-vertex"),  # endpoints.get for the GPU machine specs
        ("roles/bigquery.dataViewer", "acme-billing.billing_export"),  # GPU SKU rates
    }
    env = result.values["function_env"]
    assert env["LOG_EXECUTION_ID"] == "true" and env["GENAI_COSTS_SCHEMA_OWNER"] == "terraform"


def test_only_enabled_flows_get_access():
    org = {"slug": "acme_corp", "providers": ["openai", "vertex_ai"], "commitment_types": ["vertex_gsu"]}
    result = evaluate(org, SOURCES)
    got = matrix(result.values)
    assert check.check_access_matrix(result.values, org) == []
    # vertex_gsu reads Monitoring only: no Vertex AI API, no billing export; Gemini is off.
    assert got["ingest_commitment"] == {
        ("secret", "genai-acme_corp-vertex_ai"),
        ("roles/monitoring.viewer", "acme-vertex"),
    }
    assert ("roles/monitoring.viewer", "acme-gemini") not in got["ingest_payg"]
    assert result.values["billing_export_readers"] == ["ingest_payg"]


def test_one_project_for_vertex_and_gemini_is_granted_once():
    same = {"vertex_ai_project_id": "acme-ai", "gemini_project_id": "acme-ai"}
    grants = evaluate(EVERYTHING, same).values["source_project_grants"]
    assert sorted(grants) == [
        "ingest_commitment/roles/aiplatform.viewer/acme-ai",
        "ingest_commitment/roles/monitoring.viewer/acme-ai",
        "ingest_payg/roles/monitoring.viewer/acme-ai",
    ]


def test_without_google_providers_nothing_outside_the_project_is_granted():
    org = {"slug": "acme_corp", "providers": ["openai", "anthropic"]}
    result = evaluate(org, SOURCES)
    assert result.values["source_project_grants"] == {} and result.values["billing_export_readers"] == []
    assert result.warnings == []


def test_google_provider_without_named_sources_warns_at_plan():
    result = evaluate({"slug": "acme_corp", "providers": ["gemini"]})
    assert any("names no project" in w for w in result.warnings)
    assert any("billing_export is not set" in w for w in result.warnings)


@pytest.mark.parametrize(
    "org, sources, extra, message",
    [
        (
            {"slug": "acme_corp", "providers": ["openai"], "commitment_types": ["azure_ptu"]},
            {},
            {},
            "azure_ptu needs azure_openai",
        ),
        (
            {"slug": "acme_corp", "providers": ["openai"], "infrastructure_types": ["vertex_gpu"]},
            {},
            {},
            "vertex_gpu need vertex_ai",
        ),
        ({"slug": "acme_corp", "providers": ["gemini"]}, {"gemini_project_id": "Bad_Project"}, {}, "project ids"),
        (
            {"slug": "acme_corp", "providers": ["gemini"]},
            {"billing_export": {"project_id": "acme-billing", "dataset_id": "bad-dataset"}},
            {},
            "dataset id",
        ),
        (
            {"slug": "acme_corp", "providers": ["openai"]},
            {},
            {"functions": {"build_service_account": "builder@acme.iam.gserviceaccount.com"}},
            "projects/PROJECT/serviceAccounts/EMAIL",
        ),
    ],
    ids=["commitment_without_provider", "gpu_without_vertex", "bad_project", "bad_dataset", "bad_build_sa"],
)
def test_invalid_inputs_fail_the_plan_with_a_clear_message(org, sources, extra, message):
    with pytest.raises(check.TerraformEvaluationError, match=message):
        evaluate(org, sources, **extra)
