"""Cross-checks between the Terraform module, the repository and the security policy."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from .conftest import FIXTURES, MODULE, REPO, TERRAFORM, check, evaluate_procedures


def resources(rtype: str) -> dict[str, dict]:
    return {b.name: b.body for b in check.iter_blocks(MODULE) if b.kind == "resource" and b.type == rtype}


LOCALS = check.module_locals(MODULE)


# --- procedures: fileset over sql/procedures, evaluated in Python ------------------------------


def test_routines_are_built_from_a_fileset_over_sql_procedures():
    assert 'fileset("${local.sql_dir}/procedures","*.sql")' in re.sub(r"\s", "", LOCALS["procedure_files"])
    routine = resources("google_bigquery_routine")["procedure"]
    assert "local.procedures" in routine["for_each"]
    assert "local.procedure_files" in json.dumps(LOCALS["procedures"])
    assert routine["routine_type"] == "PROCEDURE" and routine["language"] == "SQL"
    assert "/sql" in LOCALS["sql_dir"] and "var.paths.sql" in LOCALS["sql_dir"]


@pytest.mark.parametrize("sql_dir", [REPO / "sql", FIXTURES], ids=["repo_sql", "fixtures"])
def test_every_procedure_file_gets_a_routine(sql_dir: Path):
    files = sorted(p.stem for p in (sql_dir / "procedures").glob("*.sql"))
    routines = evaluate_procedures(sql_dir)
    assert sorted(routines) == files
    for stem, r in routines.items():
        assert r["routine_id"] == stem, "routines.tf's precondition requires routine id == file name"
        body = r["definition_body"]
        assert body.startswith("BEGIN") and body.endswith("END"), body[:40] + " ... " + body[-40:]
        assert "CREATE OR REPLACE PROCEDURE" not in body.upper()
        assert all(
            a["typeKind"] in {"STRING", "DATE", "INT64", "NUMERIC", "BOOL", "FLOAT64", "TIMESTAMP"}
            for a in r["arguments"]
        )


def test_fixture_procedures_parse_to_the_expected_signature():
    routines = evaluate_procedures(FIXTURES)
    assert set(routines) == {
        "sp_genai_1_consolidate_usage_daily",
        "sp_genai_2_consolidate_costs_daily",
        "sp_genai_3_convert_to_focus",
    }
    for r in routines.values():
        assert r["arguments"] == [
            {"name": "p_org_slug", "typeKind": "STRING"},
            {"name": "p_start_date", "typeKind": "DATE"},
            {"name": "p_end_date", "typeKind": "DATE"},
        ]
    # Inner END IF / END; do not cut the block short: the body ends at the procedure's END.
    assert "END IF;" in routines["sp_genai_2_consolidate_costs_daily"]["definition_body"]


def test_a_new_procedure_file_is_picked_up_without_editing_terraform(tmp_path: Path):
    shutil.copytree(FIXTURES / "procedures", tmp_path / "procedures")
    (tmp_path / "procedures" / "sp_genai_9_new.sql").write_text(
        "CREATE OR REPLACE PROCEDURE sp_genai_9_new(p_org_slug STRING, p_start_date DATE, p_end_date DATE)\n"
        "BEGIN\n  SELECT 1;\nEND;\n"
    )
    assert "sp_genai_9_new" in evaluate_procedures(tmp_path)


def test_every_table_json_is_usable_by_bigquery_tf():
    table = resources("google_bigquery_table")["org"]
    assert table["deletion_protection"] is True
    assert "local.tables" in table["for_each"]
    for path in sorted((REPO / "sql" / "tables").glob("*.json")):
        doc = json.loads(path.read_text())
        assert doc["schema"]["fields"], path
        assert all("name" in f and "type" in f for f in doc["schema"]["fields"]), path
        if "timePartitioning" in doc:
            assert doc["timePartitioning"]["type"] in {"DAY", "HOUR", "MONTH", "YEAR"}, path


# --- functions --------------------------------------------------------------------------------


def test_every_function_directory_is_deployed():
    dirs = {p.parent.name for p in (REPO / "functions").glob("*/main.py")} - {"genai_costs"}
    deployed = set(LOCALS["functions"])
    assert dirs <= deployed, f"functions without a google_cloudfunctions2_function: {sorted(dirs - deployed)}"
    assert deployed == {
        "ingest_payg",
        "ingest_commitment",
        "consolidate",
        "onboard",
        "evaluate_budgets",
        "budgets",
        "pipelines",
        "pricing_api",
        "sync_prices",
        "record_usage",
        "costs",
    }
    fn = resources("google_cloudfunctions2_function")["fn"]
    assert "local.functions" in fn["for_each"]
    assert fn["build_config"][0]["runtime"] == "python312"


def test_budgets_are_evaluated_on_schedule_and_only_the_evaluator_sends_alerts():
    assert LOCALS["functions"]["evaluate_budgets"]["pubsub"] is True
    assert LOCALS["functions"]["budgets"]["pubsub"] is False  # the private HTTP API
    assert LOCALS["flows"]["budgets"] == {"function": "evaluate_budgets"}
    assert "budgets" in LOCALS["scheduler_jobs"]
    topic_iam = resources("google_pubsub_topic_iam_member")["alerts_publisher"]
    assert topic_iam["topic"] == "${google_pubsub_topic.alerts.name}"
    assert topic_iam["member"] == '${google_service_account.fn["evaluate_budgets"].member}'
    reader = resources("google_secret_manager_secret_iam_member")["channel_reader"]
    assert reader["member"] == '${google_service_account.fn["evaluate_budgets"].member}'
    assert reader["role"] == "roles/secretmanager.secretAccessor"
    assert "google_secret_manager_secret.channel" in reader["for_each"]
    invoker = resources("google_cloud_run_v2_service_iam_member")["budgets_invoker"]
    assert invoker["for_each"] == "${toset(var.functions.budgets_invokers)}"


def test_sources_are_content_addressed_archives_from_make_package():
    obj = resources("google_storage_bucket_object")["bundle"]
    assert "filemd5(" in obj["name"] and "${each.key}-" in obj["name"]
    assert "local.dist_dir" in obj["source"] and obj["source"].endswith(".zip")
    assert "dist/functions" in LOCALS["dist_dir"]


def test_every_pubsub_fed_function_has_dead_letter_and_explicit_retry():
    flows = LOCALS["flows"]
    pubsub_fns = {k for k, v in LOCALS["functions"].items() if v["pubsub"]}
    assert {f["function"] for f in flows.values()} == pubsub_fns
    assert LOCALS["functions"]["onboard"]["pubsub"] is False
    sub = resources("google_pubsub_subscription")["flow"]
    assert "local.flows" in sub["for_each"]
    assert "google_cloudfunctions2_function.fn[each.value.function]" in sub["push_config"][0]["push_endpoint"]
    assert sub["push_config"][0]["oidc_token"][0]["service_account_email"]
    assert "google_pubsub_topic.dead_letter" in sub["dead_letter_policy"][0]["dead_letter_topic"]
    assert sub["dead_letter_policy"][0]["max_delivery_attempts"]
    assert sub["retry_policy"][0]["minimum_backoff"] and sub["retry_policy"][0]["maximum_backoff"]
    # Dead letters are kept: the dead-letter topic has a subscription of its own.
    assert "local.flows" in resources("google_pubsub_subscription")["dead_letter"]["for_each"]
    # Functions are not also wired to Eventarc (that would deliver twice, without dead-lettering).
    assert "event_trigger" not in resources("google_cloudfunctions2_function")["fn"]


def test_pubsub_service_agent_can_dead_letter_on_exact_resources():
    topic_iam = resources("google_pubsub_topic_iam_member")
    sub_iam = resources("google_pubsub_subscription_iam_member")
    assert topic_iam["dead_letter_publisher"]["for_each"] == "${google_pubsub_topic.dead_letter}"
    assert topic_iam["dead_letter_publisher"]["member"] == "${local.pubsub_service_agent}"
    assert sub_iam["dead_letter_subscriber"]["for_each"] == "${google_pubsub_subscription.flow}"
    assert sub_iam["dead_letter_subscriber"]["role"] == "roles/pubsub.subscriber"
    assert "gcp-sa-pubsub" in check.module_locals(MODULE)["pubsub_service_agent"]


def test_scheduler_publishes_with_its_own_identity_to_its_own_topics_only():
    job = resources("google_cloud_scheduler_job")["flow"]
    target = job["http_target"][0]
    assert target["uri"].startswith("https://pubsub.googleapis.com/v1/${google_pubsub_topic.flow[")
    assert target["uri"].endswith(":publish")
    assert 'google_service_account.org["scheduler"]' in target["oauth_token"][0]["service_account_email"]
    assert "pubsub_target" not in job
    pub = resources("google_pubsub_topic_iam_member")["scheduler_publisher"]
    assert pub["for_each"] == "${google_pubsub_topic.flow}"
    assert 'google_service_account.org["scheduler"]' in pub["member"]
    keys = str(LOCALS["scheduler_jobs"])  # an HCL expression string (python-hcl2 7) or a dict
    for flow in ("payg", "commitment", "infrastructure", "consolidate"):
        assert f'"flow": "{flow}"' in keys or f"'flow': '{flow}'" in keys


def test_schedules_and_trailing_window_are_validated_variables():
    variables = {}
    for entry in check.load_hcl(MODULE / "variables.tf")["variable"]:
        variables.update(entry)
    assert variables["schedules"]["validation"], "schedules needs validation blocks"
    text = json.dumps(variables["schedules"])
    for name in ("payg", "commitment", "infrastructure", "consolidate", "trailing_days"):
        assert name in text
    names = [n for entry in check.load_hcl(MODULE / "variables.tf")["variable"] for n in entry]
    assert names == sorted(names), "variables must be in alphabetical order"
    assert all(variables[n].get("description") for n in names)
    outputs = [n for entry in check.load_hcl(MODULE / "outputs.tf")["output"] for n in entry]
    assert outputs == sorted(outputs)


# --- security policy --------------------------------------------------------------------------


def test_policy_checks_pass_on_the_configuration():
    errors = check.check_policy(TERRAFORM)
    assert not errors, "\n".join(errors)


def test_no_public_members_and_no_secret_versions_anywhere():
    for path in check.tf_files(TERRAFORM):
        doc = check.load_hcl(path)
        reachable = json.dumps([doc.get(k) for k in ("resource", "data", "locals", "module")])
        assert "allusers" not in reachable.lower() and "allauthenticatedusers" not in reachable.lower(), path
        assert "google_secret_manager_secret_version" not in path.read_text(), path


def test_isolation_each_function_runs_as_its_own_identity():
    accounts = resources("google_service_account")
    assert accounts["fn"]["for_each"] == "${local.functions}"
    assert accounts["fn"]["account_id"] == "${local.name}-${each.value.account}"
    suffixes = [f["account"] for f in LOCALS["functions"].values()]
    assert len(set(suffixes)) == len(suffixes), "two functions would share a service account id"
    assert set(LOCALS["service_accounts"]) == {"push", "scheduler"}, "no shared 'functions' identity"
    fn = resources("google_cloudfunctions2_function")["fn"]
    assert fn["service_config"][0]["service_account_email"] == "${google_service_account.fn[each.key].email}"


def test_isolation_grants_target_only_this_orgs_dataset_secrets_and_the_named_sources():
    dataset_iam = resources("google_bigquery_dataset_iam_member")
    assert set(dataset_iam) == {"data_editor", "billing_export_reader", "costs_reader"}
    # The cost queries read the org dataset and write no dataset (costs.tf).
    costs_reader = dataset_iam["costs_reader"]
    assert costs_reader["dataset_id"] == "${google_bigquery_dataset.org.dataset_id}"
    assert (costs_reader["role"], costs_reader["member"]) == (
        "roles/bigquery.dataViewer",
        '${google_service_account.fn["costs"].member}',
    )
    editor, export = dataset_iam["data_editor"], dataset_iam["billing_export_reader"]
    assert editor["dataset_id"] == "${google_bigquery_dataset.org.dataset_id}"
    assert (editor["role"], editor["for_each"]) == ("roles/bigquery.dataEditor", "${toset(local.dataset_editors)}")
    writers = sorted(fn for fn, a in check.FUNCTION_ACCESS.items() if a.writes_dataset)
    assert sorted(LOCALS["dataset_editors"]) == writers
    assert "record_usage" not in writers  # it only publishes; the BigQuery subscription writes
    assert set(LOCALS["warehouse_functions"]) == set(LOCALS["functions"]) - {"record_usage"}
    # pipelines writes nothing: it reads the ledger table and publishes to the flow topics (pipelines.tf).
    ledger = resources("google_bigquery_table_iam_member")
    assert set(ledger) == {"pipelines_ledger_reader", "usage_events_writer", "costs_billing_imports_writer"}
    uploads = ledger["costs_billing_imports_writer"]  # billing-export uploads append to this one table
    assert uploads["table_id"] == '${google_bigquery_table.org["genai_billing_imports_raw"].table_id}'
    assert (uploads["role"], uploads["member"]) == (
        "roles/bigquery.dataEditor",
        '${google_service_account.fn["costs"].member}',
    )
    reader = ledger["pipelines_ledger_reader"]
    assert reader["table_id"] == '${google_bigquery_table.org["genai_ingestion_runs"].table_id}'
    assert (reader["role"], reader["member"]) == (
        "roles/bigquery.dataViewer",
        '${google_service_account.fn["pipelines"].member}',
    )
    publisher = resources("google_pubsub_topic_iam_member")["pipelines_publisher"]
    assert publisher["for_each"] == "${google_pubsub_topic.flow}" and publisher["role"] == "roles/pubsub.publisher"
    assert export["dataset_id"] == "${var.gcp_sources.billing_export.dataset_id}"
    assert export["role"] == "roles/bigquery.dataViewer"
    assert export["for_each"] == "${toset(local.billing_export_readers)}"
    secret_iam = resources("google_secret_manager_secret_iam_member")
    assert set(secret_iam) == {"reader", "channel_reader"}  # channel_reader: evaluate_budgets, alert channels only
    assert secret_iam["reader"]["for_each"] == "${local.secret_grants}"
    assert (
        secret_iam["reader"]["secret_id"] == "${google_secret_manager_secret.provider[each.value.provider].secret_id}"
    )
    assert secret_iam["reader"]["member"] == "${google_service_account.fn[each.value.function].member}"
    # evaluate_budgets reads the alert channel secrets only (channel_reader), never a provider secret.
    assert {fn for fn, readers in LOCALS["secret_readers"].items() if not readers} == {
        "budgets",
        "consolidate",
        "costs",
        "evaluate_budgets",  # provider secrets: none (its alert channel secrets are granted in secrets.tf)
        "onboard",
        "pipelines",
        "pricing_api",
        "record_usage",
        "sync_prices",
    }
    secret = resources("google_secret_manager_secret")["provider"]
    assert secret["secret_id"] == "genai-${var.org.slug}-${each.key}"
    # Project-level roles: jobUser on this project (running jobs is not data access) and read-only
    # roles on the named Vertex AI / Gemini projects, from the access table in main.tf.
    project_iam = resources("google_project_iam_member")
    assert set(project_iam) == {"job_user", "source_reader", "budget_metrics_writer", "schedules_operator"}
    assert project_iam["budget_metrics_writer"]["role"] == "roles/monitoring.metricWriter"
    assert project_iam["budget_metrics_writer"]["member"] == '${google_service_account.fn["evaluate_budgets"].member}'
    assert project_iam["job_user"]["project"] == "${var.project_id}"
    assert project_iam["job_user"]["role"] == "roles/bigquery.jobUser"
    assert project_iam["job_user"]["for_each"] == "${toset(local.warehouse_functions)}"
    assert project_iam["source_reader"]["for_each"] == "${local.source_project_grants}"
    roles = {r for row in LOCALS["google_source_access"].values() for r in row["roles"]}
    assert roles == {"roles/monitoring.viewer", "roles/aiplatform.viewer"}
    assert {row["function"] for row in LOCALS["google_source_access"].values()} == {"ingest_payg", "ingest_commitment"}
    assert LOCALS["function_env"]["GENAI_COSTS_ORG_SLUG"] == "${var.org.slug}"
    assert LOCALS["dataset_id"] == "${var.org.slug}_prod"


def test_commitment_secrets_match_the_code():
    from genai_costs.providers.commitments.registry import COMMITMENT_PROVIDERS
    from genai_costs.providers.ids import COMMITMENT_TYPES

    assert LOCALS["commitment_providers"] == COMMITMENT_PROVIDERS
    assert set(LOCALS["commitment_providers"]) == set(COMMITMENT_TYPES)


def test_every_function_holds_only_what_the_policy_allows():
    """The matrix in tools/terraform_schema/check.py is the one the README documents."""
    access = check.FUNCTION_ACCESS
    assert set(access) == set(LOCALS["functions"])
    assert not access["consolidate"].secrets and not access["onboard"].secrets
    assert not access["consolidate"].source_project_roles and not access["onboard"].billing_export
    assert not access["pipelines"].writes_dataset and not access["pipelines"].secrets
    readme = (MODULE / "README.md").read_text()
    for fn, a in access.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{fn}` |"))
        assert ("secretAccessor" in row) == a.secrets, row
        assert all(r.removeprefix("roles/") in row for r in a.source_project_roles), row
        assert ("billing export" in row) == a.billing_export, row
        assert ("bigquery.dataEditor" in row) == (a.writes_dataset or bool(a.writes_tables)), row
        assert all(t.split('"')[1] in row for t in a.writes_tables), row
        assert all(r.removeprefix("roles/") in row for r in a.project_roles), row
        assert ("pubsub.publisher" in row) == (a.alerts_publisher or a.publishes_flows or bool(a.publishes_to)), row
        assert ("ledger" in row) == a.ledger_reader, row
        assert ("bigquery.jobUser" in row) == a.warehouse, row


def test_onboarding_and_pipelines_are_invoked_only_by_named_members():
    invokers = resources("google_cloud_run_v2_service_iam_member")
    assert set(invokers) == {
        "push_invoker",
        "onboard_invoker",
        "pipelines_invoker",
        "budgets_invoker",
        "pricing_api_invoker",
        "record_usage_invoker",
        "costs_invoker",
    }
    assert invokers["costs_invoker"]["for_each"] == "${toset(var.functions.costs_invokers)}"
    assert 'fn["costs"]' in invokers["costs_invoker"]["name"]
    assert invokers["onboard_invoker"]["for_each"] == "${toset(var.functions.onboard_invokers)}"
    assert invokers["pipelines_invoker"]["for_each"] == "${toset(var.operators)}"
    assert 'fn["pipelines"]' in invokers["pipelines_invoker"]["name"]
    for name in ("onboard_invoker", "pipelines_invoker", "costs_invoker"):
        assert invokers[name]["member"] == "${each.key}"
        assert invokers[name]["role"] == "roles/run.invoker"
    assert not resources("google_cloudfunctions2_function_iam_member")


def test_operators_get_exactly_the_schedules_permissions_the_cli_calls():
    role = resources("google_project_iam_custom_role")["schedules_operator"]
    assert role["permissions"] == "${local.schedules_operator_permissions}"
    verbs = {p.rsplit(".", 1)[-1] for p in LOCALS["schedules_operator_permissions"]}
    assert verbs == {"list", "get", "run", "pause", "resume"}
    assert all(p.startswith("cloudscheduler.jobs.") for p in LOCALS["schedules_operator_permissions"])
    binding = resources("google_project_iam_member")["schedules_operator"]
    assert binding["for_each"] == "${toset(var.operators)}" and binding["member"] == "${each.key}"
    # What the CLI really calls on the Cloud Scheduler API, by name.
    import inspect

    from genai_costs_cli import cloud_schedules

    source = inspect.getsource(cloud_schedules)
    called = set(re.findall(r"self\.client\.(\w+)_job", source)) | set(re.findall(r"self\.client\.(\w+)_jobs", source))
    assert called == verbs


def test_usage_events_reach_the_raw_table_through_a_bigquery_subscription_with_a_dead_letter():
    subscription = resources("google_pubsub_subscription")["usage_events_bigquery"]
    assert subscription["topic"] == "${google_pubsub_topic.usage_events.id}"
    (config,) = subscription["bigquery_config"]
    assert config["table"].endswith("${google_bigquery_table.org[local.usage_events_table].table_id}")
    assert LOCALS["usage_events_table"] == "genai_usage_events_raw"
    assert (config["use_table_schema"], config["write_metadata"], config["drop_unknown_fields"]) == (True, True, False)
    assert "push_config" not in subscription  # no function in the write path
    (dead_letter,) = subscription["dead_letter_policy"]
    assert dead_letter["dead_letter_topic"] == "${google_pubsub_topic.usage_events_dead_letter.id}"
    dlq = resources("google_pubsub_subscription")["usage_events_dead_letter"]
    assert dlq["topic"] == "${google_pubsub_topic.usage_events_dead_letter.id}"
    # The Pub/Sub service agent writes the rows: dataEditor on that one table, nothing dataset-wide.
    writer = resources("google_bigquery_table_iam_member")["usage_events_writer"]
    assert (writer["table_id"], writer["role"], writer["member"]) == (
        "${google_bigquery_table.org[local.usage_events_table].table_id}",
        "roles/bigquery.dataEditor",
        "${local.pubsub_service_agent}",
    )
    topic_iam = resources("google_pubsub_topic_iam_member")
    assert topic_iam["usage_events_dead_letter_publisher"]["member"] == "${local.pubsub_service_agent}"
    sub_iam = resources("google_pubsub_subscription_iam_member")["usage_events_dead_letter_subscriber"]
    assert sub_iam["subscription"] == "${google_pubsub_subscription.usage_events_bigquery.name}"


def test_record_usage_only_publishes_and_is_invoked_only_by_named_members():
    publisher = resources("google_pubsub_topic_iam_member")["record_usage_publisher"]
    assert (publisher["topic"], publisher["role"], publisher["member"]) == (
        "${google_pubsub_topic.usage_events.name}",
        "roles/pubsub.publisher",
        '${google_service_account.fn["record_usage"].member}',
    )
    access = check.FUNCTION_ACCESS["record_usage"]
    assert not access.warehouse and not access.secrets and not access.billing_export
    assert LOCALS["secret_readers"]["record_usage"] == []
    assert LOCALS["function_env"]["GENAI_COSTS_USAGE_EVENTS_TOPIC"] == "${local.name}-usage-events"
    assert resources("google_pubsub_topic")["usage_events"]["name"] == "${local.name}-usage-events"
    invoker = resources("google_cloud_run_v2_service_iam_member")["record_usage_invoker"]
    assert invoker["for_each"] == "${toset(var.usage_events.invokers)}" and invoker["role"] == "roles/run.invoker"
    assert LOCALS["functions"]["record_usage"]["pubsub"] is False  # HTTP, authenticated by Cloud Run IAM


def test_no_secret_values_in_variables():
    for path in check.tf_files(TERRAFORM):
        for entry in check.load_hcl(path).get("variable", []):
            for name, spec in entry.items():
                assert not check.SECRET_NAME.search(name), f"{path}: variable {name}"
                assert not spec.get("sensitive"), f"{path}: sensitive variable {name} suggests a secret value"
