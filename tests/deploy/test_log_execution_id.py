"""LOG_EXECUTION_ID (set by Terraform on every function) puts the request's execution id on our
JSON log lines, in the field Cloud Logging turns into the entry's ``execution_id`` label.

Runs the deployed onboarding function in a fresh process, as Cloud Run does: functions-framework
configures logging before it loads main.py when the variable is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.terraform.conftest import MODULE, check

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from functions_framework import create_app
client = create_app("onboard", sys.argv[1], "http").test_client()
response = client.post("/", json={"org_slug": "acme"}, headers={"Function-Execution-Id": "exec-7f3a"})
print("STATUS", response.status_code, file=sys.stderr)
"""


def run_onboard(tmp_path: Path, log_execution_id: str | None) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENAI_COSTS_", "LOG_EXECUTION_ID"))}
    # Terraform mode on an empty warehouse: onboarding fails and logs "request failed".
    env |= {"GENAI_COSTS_DATA_DIR": str(tmp_path / "data"), "GENAI_COSTS_SCHEMA_OWNER": "terraform"}
    if log_execution_id is not None:
        env["LOG_EXECUTION_ID"] = log_execution_id
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "functions" / "onboard" / "main.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT / "functions",
        timeout=120,
    )
    assert "STATUS 500" in done.stderr, done.stderr[-2000:]
    lines = [json.loads(line) for line in (done.stdout + done.stderr).splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("message") == "request failed"]


def test_terraform_sets_log_execution_id_on_every_function():
    env = check.module_locals(MODULE)["function_env"]
    assert env["LOG_EXECUTION_ID"] == "true"
    fn = {b.name: b.body for b in check.iter_blocks(MODULE) if b.type == "google_cloudfunctions2_function"}["fn"]
    # Every function gets the common environment; some add their own keys on top (merge keeps LOG_EXECUTION_ID).
    assert fn["service_config"][0]["environment_variables"].startswith("${merge(local.function_env,")


@pytest.mark.parametrize("value, expected", [("true", "exec-7f3a"), (None, None)], ids=["set", "unset"])
def test_log_lines_carry_the_execution_id_only_when_enabled(tmp_path, value, expected):
    [line] = run_onboard(tmp_path, value)
    assert line["severity"] == "ERROR" and "dataset acme_prod does not exist" in line.get("stack_trace", "")
    assert line.get("logging.googleapis.com/labels", {}).get("execution_id") == expected
