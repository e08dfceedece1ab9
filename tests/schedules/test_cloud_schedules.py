"""The organization's Cloud Scheduler jobs through the real client library and a local Cloud
Scheduler API: list, run now, pause, resume, and the API's refusals."""

from __future__ import annotations

import base64
import json

import pytest
from google.cloud.scheduler_v1.types import Job

from genai_costs.errors import ValidationError
from genai_costs.model.schedules import DEFAULT_SCHEDULES
from genai_costs_cli.cloud_schedules import OrgSchedules, SchedulerApiError, scheduler_client

from .conftest import ORG, PARENT, PROJECT, REGION


def schedules(endpoint: str, org: str = ORG) -> OrgSchedules:
    return OrgSchedules(scheduler_client(endpoint), project=PROJECT, location=REGION, org_slug=org)


def test_list_shows_exactly_the_orgs_jobs_with_target_cron_state_and_last_attempt(endpoint):
    views = {v.key: v for v in schedules(endpoint).jobs()}
    assert sorted(views) == [
        "commitment-azure-ptu",
        "consolidate",
        "payg-anthropic",
        "payg-azure-openai",
        "payg-openai",
    ]
    openai = views["payg-openai"]
    assert openai.name == "genai-acme-corp-payg-openai"
    assert openai.target == "topic genai-acme-corp-payg"
    assert openai.message == {"org_slug": "acme_corp", "provider": "openai"}
    assert (openai.cron, openai.time_zone, openai.state) == (DEFAULT_SCHEDULES.payg, "Etc/UTC", "ENABLED")
    assert openai.last_status == "OK" and openai.last_attempt_at.isoformat() == "2026-03-15T06:00:03+00:00"
    assert views["payg-anthropic"].last_status == "PERMISSION_DENIED: User not authorized to perform this action."
    assert views["consolidate"].last_status == "never ran" and views["consolidate"].last_attempt_at is None
    assert views["commitment-azure-ptu"].cron == DEFAULT_SCHEDULES.commitment


def test_the_shorter_slugs_jobs_are_its_own(endpoint):
    assert [v.name for v in schedules(endpoint, "acme").jobs()] == ["genai-acme-consolidate", "genai-acme-payg-openai"]


def test_list_follows_pages(fake, endpoint):
    for i in range(1200):  # more than two pages of 500 of other jobs, sorted before and after ours
        fake.add(Job(name=f"{PARENT}/jobs/a-other-{i:04d}", schedule="* * * * *"))
        fake.add(Job(name=f"{PARENT}/jobs/z-other-{i:04d}", schedule="* * * * *"))
    assert len(schedules(endpoint).jobs()) == 5
    assert sum(1 for method, _ in fake.calls if method == "ListJobs") == 5


def test_run_dispatches_the_job_now_and_reports_the_attempt(fake, endpoint):
    published = []

    def deliver(job: Job) -> None:  # what Cloud Scheduler does: POST the body to Pub/Sub's publish
        body = json.loads(job.http_target.body)
        published.append(json.loads(base64.b64decode(body["messages"][0]["data"])))

    fake.dispatch = deliver
    view = schedules(endpoint).run("azure_ptu")  # a commitment type names its job
    assert view.key == "commitment-azure-ptu" and view.last_status == "OK" and view.last_attempt_at is not None
    assert published == [{"org_slug": "acme_corp", "commitment_type": "azure_ptu"}]
    assert fake.dispatched == [f"{PARENT}/jobs/genai-acme-corp-commitment-azure-ptu"]


def test_a_failing_target_shows_in_the_last_status(fake, endpoint):
    def refuse(job: Job) -> None:
        raise RuntimeError("topic publish returned 403")

    fake.dispatch = refuse
    assert schedules(endpoint).run("payg-openai").last_status == "INTERNAL: topic publish returned 403"


def test_pause_then_resume_and_each_is_idempotent(fake, endpoint):
    org = schedules(endpoint)
    view, changed = org.pause("consolidate")
    assert (view.state, changed) == ("PAUSED", True)
    assert {v.key: v.state for v in org.jobs()}["consolidate"] == "PAUSED"
    calls = len(fake.calls)
    view, changed = org.pause("genai-acme-corp-consolidate")  # the job id works too
    assert (view.state, changed) == ("PAUSED", False)
    assert [m for m, _ in fake.calls[calls:]] == ["GetJob"], "an already paused job is left alone"
    view, changed = org.resume("consolidate")
    assert (view.state, changed) == ("ENABLED", True)
    assert org.resume("consolidate")[1] is False


def test_pause_all_resolves_every_deployed_job(endpoint):
    org = schedules(endpoint)
    keys = org.resolve([], every=True)
    assert len(keys) == 5
    for key in keys:
        org.pause(key)
    assert {v.state for v in org.jobs()} == {"PAUSED"}


def test_a_name_that_is_not_one_of_the_orgs_jobs_is_refused_before_any_call(fake, endpoint):
    with pytest.raises(ValidationError, match="not one of acme_corp's jobs; known: commitment-azure-ptu"):
        schedules(endpoint).run("nightly-backup")
    assert fake.calls == []


def test_a_job_terraform_did_not_create_is_not_found(endpoint):
    # gemini is a known provider, but this deployment does not enable it: no job.
    with pytest.raises(
        SchedulerApiError, match="genai-acme-corp-payg-gemini not found: is this the project and region"
    ):
        schedules(endpoint).run("gemini")


def test_a_wrong_region_is_not_found_either(endpoint):
    org = OrgSchedules(scheduler_client(endpoint), project=PROJECT, location="europe-west1", org_slug=ORG)
    assert org.jobs() == []
    with pytest.raises(SchedulerApiError, match="not found"):
        org.pause("consolidate")


@pytest.mark.parametrize(
    "action, permission",
    [
        (lambda o: o.jobs(), "cloudscheduler.jobs.list"),
        (lambda o: o.run("openai"), "cloudscheduler.jobs.run"),
        (lambda o: o.pause("openai"), "cloudscheduler.jobs.pause"),
        (lambda o: o.resume("openai"), "cloudscheduler.jobs.get"),
    ],
    ids=["list", "run", "pause", "resume"],
)
def test_missing_permissions_are_named(fake, endpoint, action, permission):
    fake.permissions = {"cloudscheduler.jobs.get"} if permission != "cloudscheduler.jobs.get" else set()
    with pytest.raises(SchedulerApiError, match="permission denied") as err:
        action(schedules(endpoint))
    assert permission in str(err.value)
    assert {j.state for j in fake.jobs.values()} == {Job.State.ENABLED}, "nothing changed"


def test_every_call_carries_the_routing_header(fake, endpoint):
    org = schedules(endpoint)
    org.jobs()
    org.run("openai")
    assert fake.calls == [
        ("ListJobs", f"parent={PARENT}"),
        ("RunJob", f"name={PARENT}/jobs/genai-acme-corp-payg-openai"),
    ]
