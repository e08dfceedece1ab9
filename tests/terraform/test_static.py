"""terraform fmt, HCL parsing, schema conformance and checkov, on the real configuration."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

from .conftest import MODULE, REPO, TERRAFORM, check, terraform_binary

SCHEMA = REPO / "tools" / "terraform_schema" / "google_provider_schema.json.gz"


def test_terraform_fmt():
    binary = terraform_binary()
    if binary is None:
        pytest.skip("terraform binary not installed: `terraform fmt -check` cannot run")
    result = subprocess.run(
        [binary, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)], capture_output=True, text=True
    )
    assert result.returncode == 0, f"terraform fmt would change files:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("path", check.tf_files(TERRAFORM), ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_tf_file_parses(path: Path):
    assert isinstance(hcl2.loads(path.read_text()), dict)


def test_module_has_the_expected_files():
    expected = {
        "versions.tf",
        "variables.tf",
        "outputs.tf",
        "bigquery.tf",
        "routines.tf",
        "secrets.tf",
        "pubsub.tf",
        "scheduler.tf",
        "functions.tf",
        "bundle.tf",
        "serviceaccount.tf",
        "sources.tf",
        "main.tf",
        "README.md",
    }
    assert expected <= {p.name for p in MODULE.iterdir()}


def test_schema_file_is_compact_and_records_the_pinned_version():
    assert SCHEMA.stat().st_size < 1_000_000
    schema = check.load_schema(SCHEMA)
    version = schema["provider"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert len(schema["resources"]) > 1000 and len(schema["data_sources"]) > 300
    for versions_tf in (MODULE / "versions.tf", TERRAFORM / "examples" / "single_org" / "versions.tf"):
        pin = check.load_hcl(versions_tf)["terraform"][0]["required_providers"][0]["google"]
        assert pin["version"] == version, f"{versions_tf} pins google {pin['version']}, schema is {version}"


def test_schema_knows_snake_case_names_blocks_and_required_flags():
    res = check.load_schema(SCHEMA)["resources"]
    routine = res["google_bigquery_routine"]
    assert routine["attributes"]["definition_body"] == "required"
    assert routine["attributes"]["routine_type"] == "required"
    assert "arguments" in routine["blocks"] and routine["blocks"]["arguments"]["max_items"] is None
    fn = res["google_cloudfunctions2_function"]
    assert fn["blocks"]["event_trigger"]["max_items"] == 1
    assert fn["blocks"]["event_trigger"]["block"]["attributes"]["retry_policy"] == "optional"
    assert fn["attributes"]["url"] == "computed"
    assert res["google_pubsub_subscription"]["blocks"]["dead_letter_policy"]["block"]["attributes"]
    assert res["google_cloud_scheduler_job"]["blocks"]["http_target"]["block"]["blocks"]["oauth_token"]


def test_camel_to_snake_fallback():
    from tools.terraform_schema.extract_google_schema import camel_to_snake

    assert camel_to_snake("definitionBody") == "definition_body"
    assert camel_to_snake("ipv6AccessType") == "ipv6_access_type"
    assert camel_to_snake("maxInstanceRequestConcurrency") == "max_instance_request_concurrency"


def test_configuration_conforms_to_the_provider_schema():
    errors = check.check_schema(TERRAFORM)
    assert not errors, "\n".join(errors)
    assert sum(1 for _ in check.iter_blocks(TERRAFORM)) >= 20  # the checker did see the resources


def run_checkov(root: Path) -> dict:
    exe = Path(sys.executable).parent / "checkov"
    cmd = [
        str(exe) if exe.exists() else "checkov",
        "-d",
        str(root),
        "--framework",
        "terraform",
        "--skip-download",
        "--compact",
        "--quiet",
        "-o",
        "json",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.stdout.strip(), f"checkov printed nothing: {result.stderr[-2000:]}"
    data = json.loads(result.stdout)
    reports = data if isinstance(data, list) else [data]
    summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "failed_checks": [], "skipped_checks": []}
    for rep in reports:
        if "summary" not in rep:  # "no resources" report
            continue
        for key in ("passed", "failed", "skipped", "parsing_errors"):
            summary[key] += rep["summary"][key]
        summary["failed_checks"] += rep["results"].get("failed_checks", [])
        summary["skipped_checks"] += rep["results"].get("skipped_checks", [])
    return summary


def test_checkov_has_no_failed_checks_and_every_skip_is_justified():
    summary = run_checkov(TERRAFORM)
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in summary["failed_checks"]]
    assert summary["failed"] == 0, "checkov failed:\n" + "\n".join(failed)
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0
    # Every skip is a `#checkov:skip=CKV_...:reason` comment inside the resource, with a real reason.
    for path in check.tf_files(TERRAFORM):
        for m in re.finditer(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?", path.read_text()):
            assert m.group(2) and len(m.group(2).strip()) >= 20, f"{path}: skip {m.group(1)} has no real reason"
