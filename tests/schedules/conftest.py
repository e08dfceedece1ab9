"""Terraform-shaped Cloud Scheduler jobs in a local fake of the Cloud Scheduler API."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from google.cloud.scheduler_v1.types import HttpMethod, HttpTarget, Job, OAuthToken, PubsubTarget
from google.rpc import status_pb2

from genai_costs.messaging.base import Publisher
from genai_costs.model.schedules import job_name, scheduled_jobs, topic_name

from .fake_cloud_scheduler import FakeCloudScheduler, serve

PROJECT, REGION = "acme-deploy", "us-central1"
PARENT = f"projects/{PROJECT}/locations/{REGION}"
ORG = "acme_corp"
PROVIDERS = ["openai", "anthropic", "azure_openai"]
COMMITMENTS = ["azure_ptu"]


class Recorder(Publisher):
    """Stands in for the bus and keeps what was published, in order."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def publish(self, topic, payload, attributes=None, *, ordering_key=None) -> str:
        self.sent.append(
            {"topic": topic, "payload": dict(payload), "attributes": dict(attributes or {}), "key": ordering_key}
        )
        return f"msg-{len(self.sent)}"


def terraform_job(org: str, key: str, flow: str, cron: str, message: dict) -> Job:
    """A job exactly as scheduler.tf creates it: a Pub/Sub REST publish as the scheduler identity."""
    topic = topic_name(org, flow)
    body = {
        "messages": [
            {
                "data": base64.b64encode(json.dumps(message).encode()).decode(),
                "attributes": {"org_slug": org, "flow": flow},
            }
        ]
    }
    return Job(
        name=f"{PARENT}/jobs/{job_name(org, key)}",
        description=f"Publishes {json.dumps(message)} to {topic}",
        schedule=cron,
        time_zone="Etc/UTC",
        http_target=HttpTarget(
            uri=f"https://pubsub.googleapis.com/v1/projects/{PROJECT}/topics/{topic}:publish",
            http_method=HttpMethod.POST,
            headers={"Content-Type": "application/json"},
            body=json.dumps(body).encode(),
            oauth_token=OAuthToken(
                service_account_email=f"genai-{org.replace('_', '-')}-sched@{PROJECT}.iam.gserviceaccount.com",
                scope="https://www.googleapis.com/auth/pubsub",
            ),
        ),
        state=Job.State.ENABLED,
        schedule_time=dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC),
    )


def org_jobs(org: str, providers: list[str], commitments: list[str]) -> list[Job]:
    return [
        terraform_job(org, j.key, j.flow, j.cron, j.message)
        for j in scheduled_jobs(org, providers=providers, commitment_types=commitments)
    ]


@pytest.fixture
def fake() -> FakeCloudScheduler:
    state = FakeCloudScheduler()
    for job in org_jobs(ORG, PROVIDERS, COMMITMENTS):
        state.add(job)
    # Neighbours that must never show up as acme_corp's: a shorter and a longer slug, another job.
    for job in org_jobs("acme", ["openai"], []) + org_jobs("acme_corp_eu", ["openai"], []):
        state.add(job)
    state.add(
        Job(
            name=f"{PARENT}/jobs/nightly-backup",
            schedule="0 2 * * *",
            pubsub_target=PubsubTarget(topic_name=f"projects/{PROJECT}/topics/backup", data=b"{}"),
        )
    )
    # Last attempts as Cloud Scheduler reports them: one fine, one refused by Pub/Sub.
    ok = state.jobs[f"{PARENT}/jobs/genai-acme-corp-payg-openai"]
    ok.last_attempt_time = dt.datetime(2026, 3, 15, 6, 0, 3, tzinfo=dt.UTC)
    ok.status = status_pb2.Status(code=0)
    denied = state.jobs[f"{PARENT}/jobs/genai-acme-corp-payg-anthropic"]
    denied.last_attempt_time = dt.datetime(2026, 3, 15, 6, 0, 4, tzinfo=dt.UTC)
    denied.status = status_pb2.Status(code=7, message="User not authorized to perform this action.")
    return state


@pytest.fixture
def endpoint(fake):
    with serve(fake) as address:
        yield address
