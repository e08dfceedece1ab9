"""`genai-costs schedules ...` against the local Cloud Scheduler API: what an operator types and reads."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from genai_costs_cli.app import app

from .conftest import PARENT, PROJECT, REGION


@pytest.fixture
def cli(endpoint, monkeypatch):
    monkeypatch.setenv("GENAI_COSTS_CLOUD_SCHEDULER_ENDPOINT", endpoint)
    monkeypatch.setenv("COLUMNS", "250")

    def invoke(*args: str):
        return CliRunner().invoke(app, [*args, "--project", PROJECT, "--location", REGION])

    return invoke


def test_list_prints_each_job_with_its_state_and_last_attempt(cli):
    result = cli("schedules", "list", "acme_corp")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    openai = next(line for line in lines if "payg-openai" in line)
    for shown in ("genai-acme-corp-payg", "0 */6 * * * (Etc/UTC)", "ENABLED", "OK"):
        assert shown in openai, openai
    assert "2026-03-15 06:00:03" in openai
    anthropic = next(line for line in lines if "payg-anthropic" in line)
    assert "PERMISSION_DENIED" in anthropic
    assert "never ran" in next(line for line in lines if "consolidate" in line)
    assert "nightly-backup" not in result.output and "acme-corp-eu" not in result.output


def test_list_as_json(cli):
    result = cli("schedules", "list", "acme_corp", "--json")
    assert result.exit_code == 0, result.output
    jobs = {j["job"]: j for j in json.loads(result.output)}
    assert jobs["commitment-azure-ptu"]["message"] == {"org_slug": "acme_corp", "commitment_type": "azure_ptu"}
    assert jobs["payg-openai"]["last_attempt_at"] == "2026-03-15T06:00:03+00:00"


def test_pause_resume_and_run(cli, fake):
    paused = cli("schedules", "pause", "acme_corp", "openai", "consolidate")
    assert paused.exit_code == 0, paused.output
    assert "genai-acme-corp-payg-openai: paused" in paused.output
    assert "genai-acme-corp-consolidate: paused" in paused.output
    assert "genai-acme-corp-consolidate: already paused" in cli("schedules", "pause", "acme_corp", "consolidate").output
    assert fake.jobs[f"{PARENT}/jobs/genai-acme-corp-payg-openai"].state.name == "PAUSED"
    resumed = cli("schedules", "resume", "acme_corp", "--all")
    assert resumed.exit_code == 0, resumed.output
    assert resumed.output.count(": resumed") == 2 and resumed.output.count(": already enabled") == 3
    ran = cli("schedules", "run", "acme_corp", "payg-anthropic")
    assert ran.exit_code == 0, ran.output
    assert (
        'dispatched genai-acme-corp-payg-anthropic -> topic genai-acme-corp-payg {"org_slug": "acme_corp"' in ran.output
    )
    assert fake.dispatched == [f"{PARENT}/jobs/genai-acme-corp-payg-anthropic"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("schedules", "run", "acme_corp", "backup"), "'backup' is not one of acme_corp's jobs"),
        (("schedules", "run", "acme_corp", "vertex_gpu"), "not found: is this the project and region"),
        (("schedules", "pause", "acme_corp"), "name at least one job (or --all)"),
    ],
)
def test_errors_are_one_clear_line_and_exit_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_a_denied_caller_is_told_which_permission_is_missing(cli, fake):
    fake.permissions = set()
    result = cli("schedules", "list", "acme_corp")
    assert result.exit_code == 2
    assert "permission denied" in result.output and "cloudscheduler.jobs.list" in result.output


def test_without_a_project_it_says_so(endpoint, monkeypatch):
    monkeypatch.setenv("GENAI_COSTS_CLOUD_SCHEDULER_ENDPOINT", endpoint)
    result = CliRunner().invoke(app, ["schedules", "list", "acme_corp"])
    assert result.exit_code == 2 and "--project or GENAI_COSTS_GCP_PROJECT" in result.output
