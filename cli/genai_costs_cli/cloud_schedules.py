"""An organization's Cloud Scheduler jobs, as Terraform created them, through the Cloud Scheduler API.

Terraform names every job ``{prefix}-{org slug with dashes}-{key}`` in the module's region, with a
key per enabled provider (``payg-openai``), commitment type (``commitment-azure-ptu``),
infrastructure type (``infrastructure-vertex-gpu``) and ``consolidate``
(``genai_costs.model.schedules``). Cloud Scheduler jobs carry no labels, so the organization's
jobs are found by that name: listed in ``projects/{project}/locations/{region}`` and kept when the
name is the organization's prefix followed by a known key (another organization whose slug
extends this one, ``acme`` and ``acme_corp``, never matches).

Permissions the caller needs: ``cloudscheduler.jobs.list`` (list), ``.get`` + ``.run`` (run),
``.get`` + ``.pause`` (pause), ``.get`` + ``.resume`` (resume); Terraform's ``operators`` variable
grants exactly these (terraform/modules/genai_costs_org/README.md). Running a job needs no Pub/Sub
right: the job publishes as the organization's scheduler identity.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import grpc
from google.api_core import exceptions as google_exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud.scheduler_v1 import CloudSchedulerClient
from google.cloud.scheduler_v1.services.cloud_scheduler.transports import CloudSchedulerGrpcTransport
from google.cloud.scheduler_v1.types import Job

from genai_costs.errors import ConfigurationError, GenAICostsError, ValidationError
from genai_costs.model.schedules import DEFAULT_PREFIX, resource_prefix, scheduled_jobs

_PUBSUB_PUBLISH = re.compile(r"^https://pubsub\.googleapis\.com/v1/projects/([^/]+)/topics/([^/:]+):publish$")


class SchedulerApiError(GenAICostsError):
    """The Cloud Scheduler API refused or failed a call; the message says what to do."""


@dataclass(frozen=True)
class JobView:
    """What ``genai-costs schedules list`` shows for one job."""

    key: str
    name: str  # the job id, e.g. genai-acme-corp-payg-openai
    target: str  # e.g. "topic genai-acme-corp-payg"
    message: dict[str, Any] | None  # the JSON the job publishes, when it is a Pub/Sub publish
    cron: str
    time_zone: str
    state: str  # ENABLED, PAUSED, DISABLED, UPDATE_FAILED
    last_attempt_at: dt.datetime | None
    last_status: str  # "OK", "never ran", or "CODE: message"
    next_run_at: dt.datetime | None

    @classmethod
    def of(cls, job: Job, key: str) -> JobView:
        target, message = describe_target(job)
        return cls(
            key=key,
            name=job.name.rsplit("/", 1)[-1],
            target=target,
            message=message,
            cron=job.schedule,
            time_zone=job.time_zone or "Etc/UTC",
            state=Job.State(job.state).name,
            last_attempt_at=_aware(job.last_attempt_time),
            last_status=last_status(job),
            next_run_at=_aware(job.schedule_time),
        )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def last_status(job: Job) -> str:
    if job.last_attempt_time is None:
        return "never ran"
    if job.status.code == 0:
        return "OK"
    name = next((c.name for c in grpc.StatusCode if c.value[0] == job.status.code), str(job.status.code))
    return f"{name}: {job.status.message}" if job.status.message else name


def describe_target(job: Job) -> tuple[str, dict[str, Any] | None]:
    """The topic and the message of a job publishing through the Pub/Sub REST API (how Terraform
    builds them), else the target as it is."""
    if "pubsub_target" in job:
        return f"topic {job.pubsub_target.topic_name.rsplit('/', 1)[-1]}", _json(job.pubsub_target.data)
    if "http_target" in job:
        match = _PUBSUB_PUBLISH.match(job.http_target.uri)
        if not match:
            return f"{job.http_target.http_method.name} {job.http_target.uri}", None
        message = None
        body = _json(job.http_target.body)
        if isinstance(body, dict) and body.get("messages"):
            try:
                message = _json(base64.b64decode(body["messages"][0].get("data", ""), validate=True))
            except (binascii.Error, ValueError, TypeError, AttributeError):
                message = None
        return f"topic {match.group(2)}", message
    return "app engine", None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def scheduler_client(endpoint: str | None = None) -> CloudSchedulerClient:
    """The real client; ``endpoint`` (host:port) points it at a local Cloud Scheduler API (plain
    gRPC, no credentials), e.g. a test fake."""
    if endpoint:
        channel = grpc.insecure_channel(endpoint)
        return CloudSchedulerClient(
            transport=CloudSchedulerGrpcTransport(channel=channel, credentials=AnonymousCredentials())
        )
    return CloudSchedulerClient()


class OrgSchedules:
    """The organization's jobs in one project and region."""

    def __init__(
        self, client: CloudSchedulerClient, *, project: str, location: str, org_slug: str, prefix: str = DEFAULT_PREFIX
    ) -> None:
        if not project or not location:
            raise ConfigurationError("name the project and the region of the deployment (--project, --location)")
        self.client = client
        self.parent = f"projects/{project}/locations/{location}"
        self.org_slug = org_slug
        self.name_prefix = resource_prefix(org_slug, prefix) + "-"
        self.keys = {job.key for job in scheduled_jobs(org_slug)}

    def jobs(self) -> list[JobView]:
        views = []
        for job in self._call("list", self.parent, lambda: list(self.client.list_jobs(parent=self.parent))):
            key = self._key(job.name)
            if key is not None:
                views.append(JobView.of(job, key))
        return sorted(views, key=lambda v: v.key)

    def run(self, key: str) -> JobView:
        name = self.job_name(key)
        return JobView.of(self._call("run", name, lambda: self.client.run_job(name=name)), self._key(name) or key)

    def pause(self, key: str) -> tuple[JobView, bool]:
        """Pause the job; False when it was already paused (nothing changed)."""
        return self._transition(key, "pause", already=Job.State.PAUSED)

    def resume(self, key: str) -> tuple[JobView, bool]:
        """Resume the job; False when it was already enabled (nothing changed)."""
        return self._transition(key, "resume", already=Job.State.ENABLED)

    def resolve(self, keys: Iterable[str], *, every: bool = False) -> list[str]:
        """Job keys from what an operator typed: a key (``payg-openai``), a job id
        (``genai-acme-payg-openai``) or a provider / commitment type (``openai``, ``azure_ptu``)."""
        if every:
            return sorted(v.key for v in self.jobs())
        resolved = [self._resolve_one(k) for k in keys]
        if not resolved:
            raise ValidationError("name at least one job (or --all)")
        return resolved

    def job_name(self, key: str) -> str:
        return f"{self.parent}/jobs/{self.name_prefix}{self._resolve_one(key)}"

    # --- internals ---------------------------------------------------------------------------

    def _transition(self, key: str, verb: str, *, already: int) -> tuple[JobView, bool]:
        name = self.job_name(key)
        job = self._call("get", name, lambda: self.client.get_job(name=name))
        if job.state == already:
            return JobView.of(job, self._key(name) or key), False
        call = self.client.pause_job if verb == "pause" else self.client.resume_job
        job = self._call(verb, name, lambda: call(name=name))
        return JobView.of(job, self._key(name) or key), True

    def _resolve_one(self, typed: str) -> str:
        candidates = [typed, typed.removeprefix(self.name_prefix), typed.replace("_", "-")]
        candidates += [f"{flow}-{typed.replace('_', '-')}" for flow in ("payg", "commitment", "infrastructure")]
        for candidate in candidates:
            if candidate in self.keys:
                return candidate
        raise ValidationError(f"{typed!r} is not one of {self.org_slug}'s jobs; known: {', '.join(sorted(self.keys))}")

    def _key(self, full_name: str) -> str | None:
        job_id = full_name.rsplit("/", 1)[-1]
        if not job_id.startswith(self.name_prefix):
            return None
        key = job_id.removeprefix(self.name_prefix)
        return key if key in self.keys else None

    def _call(self, verb: str, resource: str, call: Any) -> Any:
        try:
            return call()
        except google_exceptions.PermissionDenied as exc:
            raise SchedulerApiError(
                f"permission denied: {verb} on {resource} needs cloudscheduler.jobs.{verb} "
                "(Terraform grants it to the module's `operators`): " + _first_line(exc)
            ) from exc
        except google_exceptions.NotFound as exc:
            raise SchedulerApiError(
                f"{resource} not found: is this the project and region Terraform deployed "
                f"{self.org_slug} to, and is the flow enabled there?"
            ) from exc
        except google_exceptions.FailedPrecondition as exc:
            raise SchedulerApiError(f"{verb} refused for {resource}: {_first_line(exc)}") from exc
        except google_exceptions.GoogleAPICallError as exc:
            raise SchedulerApiError(f"Cloud Scheduler {verb} failed on {resource}: {_first_line(exc)}") from exc


def _first_line(exc: google_exceptions.GoogleAPICallError) -> str:
    return (exc.message or str(exc)).splitlines()[0][:300]
