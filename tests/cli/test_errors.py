"""A user's mistake, a missing organization, missing credentials or an unreachable cloud: one line
on stderr, a distinct exit code, no traceback, and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from genai_costs.errors import ProviderAuthError, ProviderUnavailableError, WarehouseError
from genai_costs_cli.app import app
from genai_costs_cli.errors import ExitCode, as_cli_error

# One worker runs these files: the demo organization they read (a session fixture) is built once.
pytestmark = pytest.mark.xdist_group("cli_demo")


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def files_under(path: Path) -> list[Path]:
    return sorted(path.rglob("*")) if path.exists() else []


def assert_one_line_error(result, code: ExitCode, fragment: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("genai-costs: error: "), result.stderr
    assert fragment in lines[0], lines[0]


def test_report_before_any_run_says_so_and_creates_nothing(tmp_path):
    result = invoke("report", "demo")
    assert_one_line_error(result, ExitCode.ORG_NOT_FOUND, "run `genai-costs run`")
    assert files_under(tmp_path / "data") == []


def test_report_for_an_org_never_onboarded(demo_env):
    before = files_under(demo_env)
    result = invoke("report", "acme")
    assert_one_line_error(result, ExitCode.ORG_NOT_FOUND, "'acme' is not onboarded")
    assert files_under(demo_env) == before


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["secrets", "list", "../x"], "invalid org_slug '../x'"),
        (["report", "../x"], "invalid org_slug"),
        (["onboard", "A"], "invalid org_slug 'A'"),
        (["report", "demo", "--provider", "openia"], "unknown provider 'openia'"),
        (
            ["report", "demo", "--from", "2026-03-02", "--to", "2026-03-01"],
            "--from 2026-03-02 is after --to 2026-03-01",
        ),
        (["report", "demo", "--from", "2024-01-01", "--to", "2026-01-01"], "at most 400"),
        (["report", "demo", "--format", "csv"], "CSV holds one table: add --section"),
        (["report", "demo", "--format", "json", "--section", "nope"], "unknown section 'nope'"),
    ],
)
def test_usage_errors(tmp_path, args, fragment):
    result = invoke(*args)
    assert_one_line_error(result, ExitCode.USAGE, fragment)
    assert files_under(tmp_path / "data") == []


def test_a_bad_option_value_is_a_usage_error_without_traceback():
    result = invoke("report", "demo", "--from", "2026-13-01")
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.output and "--from" in result.output


def test_run_on_bigquery_without_a_project_is_a_usage_error(tmp_path):
    # `run` picks every seam itself (simulator, in-process bus, --warehouse); BigQuery needs a project.
    result = invoke("run", "--warehouse", "bigquery")
    assert_one_line_error(result, ExitCode.USAGE, "GENAI_COSTS_GCP_PROJECT")
    assert files_under(tmp_path / "data") == []


def test_secrets_list_on_a_fresh_machine_lists_nothing_and_creates_no_key(tmp_path):
    result = invoke("secrets", "list")
    assert result.exit_code == 0, result.output
    assert files_under(tmp_path / "data") == []


def test_cloud_mode_without_credentials(tmp_path):
    result = invoke(
        "report",
        "demo",
        env={"GENAI_COSTS_GCP_PROJECT": "acme-prod", "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json")},
    )
    assert_one_line_error(result, ExitCode.CREDENTIALS, "no Google Cloud credentials")
    assert files_under(tmp_path / "data") == []


def _service_account_with_unreachable_token_endpoint(path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "acme-prod",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "reporter@acme-prod.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "http://127.0.0.1:9/token",  # discard port: nothing listens
            }
        )
    )
    return path


def test_cloud_unreachable_answers_quickly_with_its_own_code(tmp_path):
    key = _service_account_with_unreachable_token_endpoint(tmp_path / "sa.json")
    result = invoke(
        "report", "demo", env={"GENAI_COSTS_GCP_PROJECT": "acme-prod", "GOOGLE_APPLICATION_CREDENTIALS": str(key)}
    )
    assert_one_line_error(result, ExitCode.UNREACHABLE, "cannot reach Google Cloud")
    assert "BEGIN PRIVATE KEY" not in result.output


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ProviderAuthError("401 from openai", provider="openai"), ExitCode.CREDENTIALS),
        (ProviderUnavailableError("503 from openai", provider="openai"), ExitCode.UNREACHABLE),
        (httpx.ConnectError("connection refused"), ExitCode.UNREACHABLE),
        (WarehouseError("statement failed\nwith details"), ExitCode.FAILED),
        (KeyError("boom"), ExitCode.FAILED),
    ],
)
def test_error_mapping(exc, code):
    error = as_cli_error(exc)
    assert error.code == code
    assert "\n" not in error.message


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.startswith("genai-costs ") and result.output.strip().split()[-1][0].isdigit()


def _commands(group, prefix=()):
    import typer.main

    command = typer.main.get_command(group)
    for name, sub in command.commands.items():
        if hasattr(sub, "commands"):
            for inner in sub.commands:
                yield (*prefix, name, inner)
        else:
            yield (*prefix, name)


def test_every_command_help_has_an_example():
    commands = list(_commands(app))
    assert ("report",) in commands and ("secrets", "list") in commands
    for command in commands:
        result = invoke(*command, "--help")
        assert result.exit_code == 0, (command, result.output)
        assert "Example" in result.output, command


def test_the_installed_command_prints_no_traceback(tmp_path):
    """The console script itself (not the test runner): stderr is the one line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENAI_COSTS_")}
    env["GENAI_COSTS_DATA_DIR"] = str(tmp_path / "data")
    script = Path(sys.executable).parent / "genai-costs"
    result = subprocess.run([str(script), "report", "demo"], capture_output=True, text=True, env=env)
    assert result.returncode == ExitCode.ORG_NOT_FOUND
    assert result.stderr.startswith("genai-costs: error: no data yet") and result.stderr.count("\n") == 1
    assert not (tmp_path / "data").exists()
