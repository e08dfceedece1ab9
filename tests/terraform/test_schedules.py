"""One definition of the scheduled jobs: Terraform's `schedules` defaults and `scheduler_jobs`
must be exactly what genai_costs.model.schedules says, which `genai-costs serve` runs locally."""

from __future__ import annotations

import re

import pytest

from genai_costs.model.schedules import DEFAULT_SCHEDULES, GOVERNANCE_JOBS, job_name, scheduled_jobs

from .conftest import MODULE, check, terraform_binary

EVERYTHING = {
    "slug": "acme_corp",
    "providers": ["openai", "anthropic", "gemini", "azure_openai", "aws_bedrock", "vertex_ai"],
    "commitment_types": ["azure_ptu", "bedrock_pt", "vertex_gsu"],
    "infrastructure_types": ["vertex_gpu"],
    "invocation_logs": ["aws_bedrock"],
}
# The type as python-hcl2 renders it: a dict repr (older releases, and checkov's bc-python-hcl2) or
# JSON-like text with double quotes (python-hcl2 7).
OPTIONAL = re.compile(r"""['"](\w+)['"]: ['"]\$\{optional\((string|number),\s*("?)([^)"]*)\3\)\}['"]""")


def terraform_schedule_defaults() -> dict[str, object]:
    variables = {name: spec for e in check.load_hcl(MODULE / "variables.tf")["variable"] for name, spec in e.items()}
    found = OPTIONAL.findall(variables["schedules"]["type"])
    assert found, "the schedules variable type could not be read"
    return {name: (int(value) if kind == "number" else value) for name, kind, _, value in found}


def test_terraform_schedule_defaults_are_the_library_defaults():
    governance = dict(GOVERNANCE_JOBS.values())
    assert terraform_schedule_defaults() == DEFAULT_SCHEDULES.model_dump() | governance


@pytest.mark.skipif(terraform_binary() is None, reason="terraform binary not installed")
@pytest.mark.parametrize(
    "org",
    [EVERYTHING, {"slug": "beta_inc", "providers": ["openai", "azure_openai"], "commitment_types": ["azure_ptu"]}],
    ids=["everything", "two_providers"],
)
def test_terraform_jobs_are_the_library_jobs(org):
    values = check.evaluate_locals(
        MODULE, {"project_id": "acme-deploy", "org": org}, ("scheduler_jobs", "name", "function_env")
    ).values
    expected = scheduled_jobs(
        org["slug"],
        providers=org["providers"],
        commitment_types=org.get("commitment_types", []) + org.get("infrastructure_types", []),
        invocation_logs=org.get("invocation_logs", []),
    )
    got = values["scheduler_jobs"]
    for key, (flow, cron) in GOVERNANCE_JOBS.items():
        assert got.pop(key) == {"flow": flow, "schedule": cron, "message": {"org_slug": org["slug"]}}
    assert sorted(got) == [j.key for j in expected]
    for job in expected:
        assert got[job.key] == {"flow": job.flow, "schedule": job.cron, "message": job.message}
        # scheduler.tf names each job "${local.name}-${each.key}".
        assert f"{values['name']}-{job.key}" == job_name(org["slug"], job.key)
    assert values["function_env"]["GENAI_COSTS_TRAILING_DAYS"] == str(DEFAULT_SCHEDULES.trailing_days)
