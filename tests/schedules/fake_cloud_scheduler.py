"""A local Cloud Scheduler API (v1) for tests: a real gRPC server speaking the service the
``google-cloud-scheduler`` client library calls, with the library's own request and response
messages, so the code under test runs the real client over a real channel.

What it keeps faithful to the API (https://cloud.google.com/scheduler/docs/reference/rpc):

- resource names ``projects/P/locations/L/jobs/J``; a malformed name or parent is INVALID_ARGUMENT;
- ``ListJobs`` pages (``page_size`` at most 500, opaque ``next_page_token``; a forged token is
  INVALID_ARGUMENT);
- ``GetJob`` / ``PauseJob`` / ``ResumeJob`` / ``RunJob`` on an absent job: NOT_FOUND;
- IAM first: a caller without the method's permission gets PERMISSION_DENIED, worded as Google
  words it, whether or not the job exists;
- ``PauseJob`` needs an ENABLED job, ``ResumeJob`` a PAUSED one (FAILED_PRECONDITION otherwise); both
  set ``user_update_time``;
- ``RunJob`` dispatches the job now, whatever its state, and returns it; the attempt's time and
  outcome appear in ``last_attempt_time`` and ``status`` (a ``google.rpc.Status``);
- the client's routing header (``x-goog-request-params``) must name the resource.

``dispatch`` is called with each job that runs, so a test can deliver its HTTP target's body
(a Pub/Sub publish request) wherever it wants.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.cloud.scheduler_v1.types import cloudscheduler
from google.cloud.scheduler_v1.types import job as job_types
from google.rpc import status_pb2

SERVICE = "google.cloud.scheduler.v1.CloudScheduler"
PARENT = re.compile(r"^projects/[^/]+/locations/[^/]+$")
JOB_NAME = re.compile(r"^(projects/[^/]+/locations/[^/]+)/jobs/[A-Za-z0-9_-]{1,500}$")
MAX_PAGE = 500
ALL_PERMISSIONS = frozenset(
    f"cloudscheduler.jobs.{verb}" for verb in ("list", "get", "create", "update", "delete", "pause", "resume", "run")
)


class _Abort(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class FakeCloudScheduler:
    """The server's state: jobs by full name, and the permissions the caller holds."""

    permissions: set[str] = field(default_factory=lambda: set(ALL_PERMISSIONS))
    jobs: dict[str, job_types.Job] = field(default_factory=dict)
    dispatch: Callable[[job_types.Job], None] | None = None
    dispatched: list[str] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, routing header)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, job: job_types.Job) -> None:
        if not JOB_NAME.match(job.name):
            raise ValueError(f"bad job name {job.name}")
        if job.state == job_types.Job.State.STATE_UNSPECIFIED:
            job.state = job_types.Job.State.ENABLED
        self.jobs[job.name] = job

    # --- the RPCs -----------------------------------------------------------------------------

    def list_jobs(self, request: cloudscheduler.ListJobsRequest) -> cloudscheduler.ListJobsResponse:
        if not PARENT.match(request.parent):
            raise _Abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"Invalid resource field value in the request: {request.parent}"
            )
        self._require("list", request.parent)
        if request.page_size < 0 or request.page_size > MAX_PAGE:
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"page_size must be between 0 and {MAX_PAGE}")
        names = sorted(n for n in self.jobs if n.startswith(request.parent + "/jobs/"))
        offset = self._offset(request.page_token, request.parent)
        size = request.page_size or MAX_PAGE
        page = names[offset : offset + size]
        token = _token(request.parent, offset + size) if offset + size < len(names) else ""
        return cloudscheduler.ListJobsResponse(jobs=[self.jobs[n] for n in page], next_page_token=token)

    def get_job(self, request: cloudscheduler.GetJobRequest) -> job_types.Job:
        return self._job(request.name, "get")

    def pause_job(self, request: cloudscheduler.PauseJobRequest) -> job_types.Job:
        job = self._job(request.name, "pause")
        if job.state != job_types.Job.State.ENABLED:
            raise _Abort(grpc.StatusCode.FAILED_PRECONDITION, f"Job {request.name} is not enabled: {job.state.name}")
        job.state = job_types.Job.State.PAUSED
        job.user_update_time = _now()
        return job

    def resume_job(self, request: cloudscheduler.ResumeJobRequest) -> job_types.Job:
        job = self._job(request.name, "resume")
        if job.state != job_types.Job.State.PAUSED:
            raise _Abort(grpc.StatusCode.FAILED_PRECONDITION, f"Job {request.name} is not paused: {job.state.name}")
        job.state = job_types.Job.State.ENABLED
        job.user_update_time = _now()
        return job

    def run_job(self, request: cloudscheduler.RunJobRequest) -> job_types.Job:
        job = self._job(request.name, "run")
        self.dispatched.append(job.name)
        outcome = status_pb2.Status(code=0)
        if self.dispatch is not None:
            try:
                self.dispatch(job)
            except Exception as exc:  # the target failed: the attempt's status says how
                outcome = status_pb2.Status(code=grpc.StatusCode.INTERNAL.value[0], message=str(exc))
        job.last_attempt_time = _now()
        job.status = outcome
        return job

    # --- helpers ------------------------------------------------------------------------------

    def _require(self, verb: str, resource: str) -> None:
        permission = f"cloudscheduler.jobs.{verb}"
        if permission not in self.permissions:
            raise _Abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f'The principal (user or service account) lacks IAM permission "{permission}" for the resource '
                f'"{resource}" (or the resource may not exist).',
            )

    def _job(self, name: str, verb: str) -> job_types.Job:
        if not JOB_NAME.match(name):
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"Invalid resource field value in the request: {name}")
        self._require(verb, name)
        job = self.jobs.get(name)
        if job is None:
            raise _Abort(grpc.StatusCode.NOT_FOUND, "Job not found.")
        return job

    @staticmethod
    def _offset(token: str, parent: str) -> int:
        if not token:
            return 0
        try:
            owner, offset = base64.urlsafe_b64decode(token.encode()).decode().rsplit("|", 1)
            if owner != parent:
                raise ValueError(owner)
            return int(offset)
        except ValueError as exc:
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, "Invalid page token.") from exc


def _token(parent: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{parent}|{offset}".encode()).decode()


def _now() -> Any:
    return dt.datetime.now(dt.UTC)


_METHODS = {
    "ListJobs": ("list_jobs", cloudscheduler.ListJobsRequest, cloudscheduler.ListJobsResponse, "parent"),
    "GetJob": ("get_job", cloudscheduler.GetJobRequest, job_types.Job, "name"),
    "PauseJob": ("pause_job", cloudscheduler.PauseJobRequest, job_types.Job, "name"),
    "ResumeJob": ("resume_job", cloudscheduler.ResumeJobRequest, job_types.Job, "name"),
    "RunJob": ("run_job", cloudscheduler.RunJobRequest, job_types.Job, "name"),
}


def _handler(state: FakeCloudScheduler, method: str) -> grpc.RpcMethodHandler:
    attr, request_type, response_type, routing_field = _METHODS[method]

    def call(request: Any, context: grpc.ServicerContext) -> Any:
        header = dict(context.invocation_metadata()).get("x-goog-request-params", "")
        with state.lock:
            state.calls.append((method, header))
            expected = f"{routing_field}={getattr(request, routing_field)}"
            try:
                if header.replace("%2F", "/") != expected:
                    raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"missing routing header {expected!r}")
                return getattr(state, attr)(request)
            except _Abort as exc:
                context.abort(exc.code, exc.message)

    return grpc.unary_unary_rpc_method_handler(
        call, request_deserializer=request_type.deserialize, response_serializer=response_type.serialize
    )


@contextmanager
def serve(state: FakeCloudScheduler) -> Iterator[str]:
    """Run the fake on a free loopback port; yields ``host:port``."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, {m: _handler(state, m) for m in _METHODS}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)
