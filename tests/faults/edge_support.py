"""What the edge fault tests (poison messages, key leaks, org pin, onboarding HTTP, retry cap, seams)
share: the deployed entry points driven by functions-framework test clients with real CloudEvents,
and two small local servers that answer exactly what a test needs: a provider (any status, body and
header) and a BigQuery API endpoint (datasets, load jobs and query jobs, with failures on demand).

Every entry point reads its settings from the environment (tests/conftest.py gives each test its own
data directory), so a test sets ``GENAI_COSTS_*`` with monkeypatch and calls ``fresh_settings()``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cloudevents.conversion import to_structured
from cloudevents.http import CloudEvent
from functions_framework import create_app

from genai_costs.onboarding import OnboardRequest, onboard
from genai_costs.providers.ids import secret_id
from genai_costs.secrets import open_secret_store
from genai_costs.settings import Settings, get_settings
from genai_costs.warehouse import open_warehouse

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
PUBSUB_EVENT_TYPE = "google.cloud.pubsub.topic.v1.messagePublished"
END = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
START = END - dt.timedelta(days=2)


def fresh_settings() -> Settings:
    get_settings.cache_clear()
    return get_settings()


def function_client(name: str, signature: str = "cloudevent") -> Any:
    """The deployed ``functions/<name>/main.py`` behind functions-framework, as Cloud Run serves it."""
    return create_app(name, str(FUNCTIONS / name / "main.py"), signature).test_client()


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def pubsub_event(
    payload: dict[str, Any] | bytes,
    *,
    time: str | None = None,
    publish_time: str | None = None,
    event_id: str | None = None,
) -> CloudEvent:
    """A Pub/Sub CloudEvent as Eventarc / a push subscription delivers it. ``time`` / ``publish_time``
    default to now; pass ``""`` to leave one empty, or any text to make it malformed."""
    now = _stamp(dt.datetime.now(dt.UTC))
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    event_id = event_id or uuid.uuid4().hex
    attributes = {
        "type": PUBSUB_EVENT_TYPE,
        "source": "//pubsub.googleapis.com/projects/p/topics/t",
        "id": event_id,
        "time": now if time is None else time,
        "specversion": "1.0",
    }
    message = {
        "data": base64.b64encode(data).decode(),
        "attributes": {},
        "messageId": event_id,
        "publishTime": now if publish_time is None else publish_time,
    }
    return CloudEvent(attributes, {"message": message, "subscription": "projects/p/subscriptions/s"})


def deliver(client: Any, event: CloudEvent) -> int:
    """HTTP status of one delivery: 2xx = acknowledged, anything else = Pub/Sub redelivers."""
    headers, body = to_structured(event)
    return int(client.post("/", headers=headers, data=body).status_code)


def days_ago(days: float) -> str:
    return _stamp(dt.datetime.now(dt.UTC) - dt.timedelta(days=days))


def onboard_org(onboarded_copy: Callable[..., Path], *orgs: str) -> None:
    """``orgs`` onboarded into the test's warehouse file: a copy of a file onboarded once per worker (the
    suite's ``onboarded_copy`` fixture; onboarding is set-up here, and costs seconds), or onboarded for real
    into a file that already exists."""
    path = fresh_settings().duckdb_path
    if path.exists():
        with open_warehouse(fresh_settings()) as wh:
            for org in orgs:
                onboard(wh, OnboardRequest(org_slug=org))
        return
    onboarded_copy(path, *orgs)


def ledger(org: str) -> list[dict[str, Any]]:
    with open_warehouse(fresh_settings()) as wh:
        return wh.query(
            f"{org}_prod",
            "SELECT run_id, org_slug, provider, flow, status, error, error_kind, trigger_id "
            "FROM genai_ingestion_runs WHERE event_date >= '2000-01-01' ORDER BY event_at",
        )


def count_rows(org: str, table: str) -> int:
    with open_warehouse(fresh_settings()) as wh:
        return int(wh.query(f"{org}_prod", f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])


def store_secret(org: str, provider: str, value: dict[str, Any]) -> None:
    open_secret_store(fresh_settings()).put(secret_id(org, provider), json.dumps(value))


# -- a provider that answers what the test says ------------------------------------------------------
Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class CraftedServer:
    """A loopback HTTP server; ``answer(request) -> (status, headers, body)`` decides every reply."""

    answer: Callable[[Request], Reply]
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    @contextmanager
    def running(self) -> Iterator[CraftedServer]:
        crafted = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                crafted.requests.append(request)
                status, headers, body = crafted.answer(request)
                self.send_response(status)
                for name, value in ({"Content-Type": "application/json"} | headers).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return status, headers or {}, json.dumps(body).encode()


def openai_usage_page(**result: int) -> dict[str, Any]:
    """One page of OpenAI's usage API with a single bucket (inside the test window) and result."""
    start = int(dt.datetime.combine(START, dt.time(), dt.UTC).timestamp())
    return {
        "object": "page",
        "data": [{"start_time": start, "end_time": start + 3600, "results": [{"object": "r", **result}]}],
        "has_more": False,
        "next_page": None,
    }


def openai_secret(base_url: str, key: str = "sk-admin-TESTKEY-0123456789abcdef") -> dict[str, str]:
    return {"admin_api_key": key, "base_url": f"{base_url}/v1"}


def payg_message(org: str, provider: str = "openai") -> dict[str, str]:
    return {"org_slug": org, "provider": provider, "start_date": START.isoformat(), "end_date": END.isoformat()}


# -- a BigQuery API endpoint -------------------------------------------------------------------------
@dataclass
class FakeBigQuery:
    """Enough of the BigQuery REST API for one run: every dataset exists, load jobs succeed (their rows
    are kept by table), query jobs answer ``query_failure`` (status, reason) when they hold ``failing_on``,
    else succeed; a window count answers the rows loaded for that table."""

    query_failure: tuple[int, str] | None = None
    failing_on: str = "CALL"  # query_failure answers the queries holding this text (the procedures' calls)
    loaded: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    tables_created: list[str] = field(default_factory=list)
    sessions: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def answer(self, request: Request) -> Reply:
        parts = request.path.strip("/").split("/")
        if request.path.startswith("/upload/session/") and request.method == "PUT":
            return self._load(self.sessions.pop(parts[2]), request.body)
        if request.path.startswith("/upload/") and request.method == "POST":
            # A resumable upload: the load job's metadata now, its data in the PUT to the session.
            session = uuid.uuid4().hex
            self.sessions[session] = (parts[4], json.loads(request.body))
            return 200, {"Location": f"http://{request.headers['host']}/upload/session/{session}"}, b""
        if len(parts) >= 6 and parts[4] == "datasets" and request.method == "GET":
            if len(parts) == 6:
                return json_reply(200, {"datasetReference": {"projectId": parts[3], "datasetId": parts[5]}})
            return json_reply(404, _error(404, "notFound", "Not found: " + "/".join(parts[5:])))
        if len(parts) == 7 and parts[6] == "tables" and request.method == "POST":
            self.tables_created.append(json.loads(request.body)["tableReference"]["tableId"])
            return 200, {}, request.body
        if len(parts) == 8 and parts[6] == "tables" and request.method == "DELETE":
            return 204, {}, b""
        if len(parts) == 5 and parts[4] == "jobs" and request.method == "POST":
            return self._query(json.loads(request.body), project=parts[3])
        if len(parts) >= 6 and parts[4] in ("jobs", "queries") and request.method == "GET":
            job = self.jobs.get(parts[5])
            return json_reply(200, job) if job else json_reply(404, _error(404, "notFound", "no such job"))
        return json_reply(404, _error(404, "notFound", f"{request.method} {request.path} is not served here"))

    def _job(self, project: str, resource: dict[str, Any], job_id: str | None = None) -> dict[str, Any]:
        job_id = job_id or uuid.uuid4().hex
        job = resource | {
            "jobReference": {"projectId": project, "jobId": job_id, "location": "US"},
            "status": {"state": "DONE"},
            "jobComplete": True,
            "totalRows": "0",
            "rows": [],
            "schema": {"fields": []},
        }
        self.jobs[job_id] = job
        return job

    def _load(self, session: tuple[str, dict[str, Any]], data: bytes) -> Reply:
        project, metadata = session
        table = metadata["configuration"]["load"]["destinationTable"]["tableId"]
        rows = [json.loads(line) for line in data.splitlines() if line.strip()]
        self.loaded.setdefault(table, []).extend(rows)
        job_id = metadata.get("jobReference", {}).get("jobId")
        return json_reply(200, self._job(project, {"configuration": metadata["configuration"]}, job_id))

    def _query(self, body: dict[str, Any], project: str) -> Reply:
        sql = body["configuration"]["query"]["query"]
        self.queries.append(sql)
        if self.query_failure and self.failing_on in sql:
            status, reason = self.query_failure
            return json_reply(status, _error(status, reason, f"{reason}: injected by the test"))
        resource: dict[str, Any] = {"configuration": body["configuration"]}
        if sql.lstrip().upper().startswith("UPDATE") and "genai_run_leases" in sql:
            # The write lease (taken, renewed) is free in this fake: its conditional UPDATE finds its row.
            resource["statistics"] = {"query": {"numDmlAffectedRows": "1"}}
        job = self._job(project, resource)
        counted = re.search(r"COUNT\(\*\) AS row_count\s+FROM\s+\S*?(\w+)`?\s", sql)
        if counted:
            staged = sum(len(rows) for name, rows in self.loaded.items() if name.startswith(f"_staging_{counted[1]}"))
            schema = {"fields": [{"name": "row_count", "type": "INTEGER", "mode": "NULLABLE"}]}
            job |= {"schema": schema, "totalRows": "1", "rows": [{"f": [{"v": str(staged)}]}]}
        return json_reply(200, job)


def _error(status: int, reason: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}}
