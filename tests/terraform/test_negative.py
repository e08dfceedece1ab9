"""Seed one mistake at a time into a copy of terraform/ and assert the checks catch it.

Each case names the checks expected to fail; the table of what actually caught what is
printed with `pytest -s tests/terraform/test_negative.py`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import check, terraform_binary
from .test_static import run_checkov

MOD = "modules/genai_costs_org"

PROJECT_SECRET_ACCESSOR = """
resource "google_project_iam_member" "consolidate_all_secrets" {
  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = google_service_account.fn["consolidate"].member
}
"""

ONBOARD_MONITORING = """
resource "google_project_iam_member" "onboard_monitoring" {
  project = var.gcp_sources.vertex_ai_project_id
  role    = "roles/monitoring.viewer"
  member  = google_service_account.fn["onboard"].member
}
"""

SECRET_VERSION = """
resource "google_secret_manager_secret_version" "openai" {
  secret      = google_secret_manager_secret.provider["openai"].id
  secret_data = "sk-not-a-real-key"
}
"""

# name: (file, old text, new text, checks expected to fail)
CASES = {
    "misspelled_attribute": (
        f"{MOD}/routines.tf",
        "definition_body = each.value.body",
        "definition_bdy = each.value.body",
        {"schema"},
    ),
    "missing_required_argument": (f"{MOD}/routines.tf", '  routine_type    = "PROCEDURE"\n', "", {"schema"}),
    "unknown_nested_block": (f"{MOD}/pubsub.tf", "  retry_policy {\n", "  retry_polcy {\n", {"schema", "policy"}),
    "misspelled_nested_attribute": (f"{MOD}/pubsub.tf", "    push_endpoint = ", "    push_endpont  = ", {"schema"}),
    "unknown_resource_type": (
        f"{MOD}/pubsub.tf",
        'resource "google_pubsub_topic" "dead_letter"',
        'resource "google_pubsub_topc" "dead_letter"',
        {"schema"},
    ),
    "allusers_invoker": (
        f"{MOD}/functions.tf",
        'fn["onboard"].service_config[0].service\n  role     = "roles/run.invoker"\n  member   = each.key\n',
        'fn["onboard"].service_config[0].service\n  role     = "roles/run.invoker"\n  member   = "allUsers"\n',
        {"policy"},
    ),
    "project_level_secret_accessor": (f"{MOD}/serviceaccount.tf", None, PROJECT_SECRET_ACCESSOR, {"policy"}),
    "secret_version_in_terraform": (f"{MOD}/secrets.tf", None, SECRET_VERSION, {"policy"}),
    # Per-function identities: consolidation and onboarding never read a secret, nothing is shared.
    "consolidate_granted_a_secret": (
        f"{MOD}/secrets.tf",
        "member    = google_service_account.fn[each.value.function].member",
        'member    = google_service_account.fn["consolidate"].member',
        {"policy"},
    ),
    "consolidate_listed_as_secret_reader": (
        f"{MOD}/main.tf",
        "    consolidate       = []\n",
        "    consolidate       = sort(var.org.providers)\n",
        {"policy", "matrix"},
    ),
    "ingest_commitment_reads_every_secret": (
        f"{MOD}/main.tf",
        "ingest_commitment = sort(distinct([for c in local.commitment_kinds : local.commitment_providers[c]]))",
        "ingest_commitment = sort(var.org.providers)",
        {"matrix"},
    ),
    "functions_share_one_identity": (
        f"{MOD}/functions.tf",
        "google_service_account.fn[each.key].email",
        'google_service_account.fn["ingest_payg"].email',
        {"policy"},
    ),
    "onboard_reads_a_source_project": (f"{MOD}/sources.tf", None, ONBOARD_MONITORING, {"policy"}),
    "source_role_too_wide": (
        f"{MOD}/main.tf",
        'function = "ingest_payg", project = "gemini", roles = ["roles/monitoring.viewer"]',
        'function = "ingest_payg", project = "gemini", roles = ["roles/monitoring.editor"]',
        {"policy", "matrix"},
    ),
    "consolidate_reads_vertex_metrics": (
        f"{MOD}/main.tf",
        'vertex_gsu = { function = "ingest_commitment"',
        'vertex_gsu = { function = "consolidate"',
        {"policy", "matrix"},
    ),
    "billing_export_writable": (
        f"{MOD}/sources.tf",
        'role       = "roles/bigquery.dataViewer"',
        'role       = "roles/bigquery.dataEditor"',
        {"policy"},
    ),
    "dataset_iam_on_another_org": (
        f"{MOD}/serviceaccount.tf",
        'dataset_id = google_bigquery_dataset.org.dataset_id\n  role       = "roles/bigquery.dataEditor"',
        'dataset_id = "other_org_prod"\n  role       = "roles/bigquery.dataEditor"',
        {"policy"},
    ),
    # The pipelines function writes nothing, reads the ledger only, publishes to the flow topics only.
    "pipelines_edits_the_dataset": (
        f"{MOD}/main.tf",
        'dataset_editors     = ["budgets",',
        'dataset_editors     = ["pipelines", "budgets",',
        {"policy", "matrix"},
    ),
    "pipelines_reads_a_cost_table": (
        f"{MOD}/pipelines.tf",
        'google_bigquery_table.org["genai_ingestion_runs"].table_id',
        'google_bigquery_table.org["genai_payg_openai_costs"].table_id',
        {"policy"},
    ),
    "pipelines_publishes_to_dead_letter_topics": (
        f"{MOD}/pipelines.tf",
        "for_each = google_pubsub_topic.flow",
        "for_each = google_pubsub_topic.dead_letter",
        {"policy"},
    ),
    "pipelines_public_invoker": (
        f"{MOD}/pipelines.tf",
        '  role     = "roles/run.invoker"\n  member   = each.key\n',
        '  role     = "roles/run.invoker"\n  member   = "allUsers"\n',
        {"policy"},
    ),
    # record_usage only publishes to its own topic.
    "record_usage_works_on_the_dataset": (
        f"{MOD}/main.tf",
        'dataset_editors     = ["budgets",',
        'dataset_editors     = ["record_usage", "budgets",',
        {"policy", "matrix"},
    ),
    "record_usage_publishes_to_a_flow_topic": (
        f"{MOD}/usage_events.tf",
        "topic   = google_pubsub_topic.usage_events.name",
        'topic   = google_pubsub_topic.flow["consolidate"].name',
        {"policy"},
    ),
    "bigquery_subscription_without_dead_letter": (
        f"{MOD}/usage_events.tf",
        "  dead_letter_policy {\n    dead_letter_topic     = google_pubsub_topic.usage_events_dead_letter.id\n"
        "    max_delivery_attempts = var.usage_events.max_delivery_attempts\n  }\n",
        "",
        {"policy"},
    ),
    "bigquery_subscription_without_metadata": (
        f"{MOD}/usage_events.tf",
        "write_metadata      = true",
        "write_metadata      = false",
        {"policy"},
    ),
    "push_subscription_without_dead_letter": (
        f"{MOD}/pubsub.tf",
        "  dead_letter_policy {\n    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id\n"
        "    max_delivery_attempts = var.pubsub.max_delivery_attempts\n  }\n",
        "",
        {"policy"},
    ),
}

RESULTS: dict[str, dict[str, bool]] = {}


EVERYTHING = {
    "slug": "acme_corp",
    "providers": ["openai", "anthropic", "gemini", "azure_openai", "aws_bedrock", "vertex_ai"],
    "commitment_types": ["azure_ptu", "bedrock_pt", "vertex_gsu"],
    "infrastructure_types": ["vertex_gpu"],
}
SOURCES = {"vertex_ai_project_id": "acme-vertex", "gemini_project_id": "acme-gemini"}


def matrix_violations(module: Path) -> list[str]:
    """The access locals, evaluated by Terraform for every flow enabled, checked against the policy."""
    variables = {"project_id": "acme-deploy", "org": EVERYTHING, "gcp_sources": SOURCES}
    try:
        evaluated = check.evaluate_locals(module, variables)
    except check.TerraformEvaluationError as exc:
        return [str(exc)]
    return check.check_access_matrix(evaluated.values, EVERYTHING)


def run_checks(root: Path, with_checkov: bool) -> dict[str, bool]:
    """Which checks FAIL on root (True = the check caught something)."""
    caught = {
        "schema": bool(check.check_schema(root)),
        "policy": bool(check.check_policy(root)),
    }
    binary = terraform_binary()
    if binary:
        caught["matrix"] = bool(matrix_violations(root / MOD))
        caught["fmt"] = (
            subprocess.run([binary, "fmt", "-check", "-recursive", str(root)], capture_output=True).returncode != 0
        )
    if with_checkov:
        caught["checkov"] = run_checkov(root)["failed"] > 0
    return caught


def seed(root: Path, file: str, old: str | None, new: str) -> None:
    path = root / file
    text = path.read_text()
    if old is None:
        path.write_text(text + new)
    else:
        assert text.count(old) == 1, f"{file}: the text to mutate must occur exactly once: {old!r}"
        path.write_text(text.replace(old, new))


def test_unmutated_copy_passes(module_copy: Path):
    caught = run_checks(module_copy, with_checkov=False)
    assert not any(caught.values()), caught


@pytest.mark.parametrize("case", sorted(CASES))
def test_seeded_mistake_is_caught(case: str, module_copy: Path):
    file, old, new, expected = CASES[case]
    seed(module_copy, file, old, new)
    caught = run_checks(module_copy, with_checkov=case in {"allusers_invoker", "project_level_secret_accessor"})
    RESULTS[case] = caught
    if "matrix" in expected and "matrix" not in caught:
        pytest.skip("terraform binary not installed: the evaluated access matrix cannot run")
    missed = {name for name in expected if not caught[name]}
    assert not missed, f"{case}: not caught by {sorted(missed)} (results: {caught})"


def teardown_module(module):
    if RESULTS:
        print("\nseeded mistake -> checks that failed")
        for case in sorted(RESULTS):
            print(f"  {case:40s} {', '.join(k for k, v in RESULTS[case].items() if v) or '-'}")
