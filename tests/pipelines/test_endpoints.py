"""The pipeline endpoints: each route publishes exactly the scheduler's message (one per month of a
backfill) to the flow's topic, refuses bad input, another organization and disabled sources with
nothing published, and answers how to follow the run."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest

from genai_costs.messaging.base import Publisher
from genai_costs.model.messages import CommitmentMessage, ConsolidateMessage, PaygMessage
from genai_costs.model.schedules import scheduled_jobs, topic_name
from genai_costs.pipeline_endpoints import PipelinesApi, pinned_to
from genai_costs.pipelines.backfill import MAX_BACKFILL_DAYS

TODAY = dt.date(2026, 3, 15)


class Recorder(Publisher):
    """Stands in for the bus and keeps what was published, in order."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def publish(self, topic, payload: Mapping[str, Any], attributes=None, *, ordering_key=None) -> str:
        self.sent.append(
            {"topic": topic, "payload": dict(payload), "attributes": dict(attributes or {}), "key": ordering_key}
        )
        return f"msg-{len(self.sent)}"


def no_warehouse():
    raise AssertionError("a POST must not touch the warehouse")


@pytest.fixture
def bus() -> Recorder:
    return Recorder()


def make_api(bus: Recorder, *, pinned: str | None = "acme", enabled: frozenset[str] | None = None) -> PipelinesApi:
    return PipelinesApi(
        publisher=lambda: bus,
        warehouse=no_warehouse,
        topic_for=lambda flow: topic_name("acme", flow),
        trailing_days=3,
        check_org=pinned_to(pinned),
        enabled_sources=enabled,
        today=lambda: TODAY,
    )


def post(api: PipelinesApi, path: str, body: Any = None):
    raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    return api.handle("POST", path, raw, {})


SCHEDULED = {job.key: job for job in scheduled_jobs("acme")}


@pytest.mark.parametrize(
    "path, job_key, topic",
    [
        ("/pipelines/run/acme/genai/payg/openai", "payg-openai", "genai-acme-payg"),
        ("/pipelines/run/acme/genai/payg/azure_openai", "payg-azure-openai", "genai-acme-payg"),
        ("/pipelines/run/acme/genai/commitment/azure_ptu", "commitment-azure-ptu", "genai-acme-commitment"),
        ("/pipelines/run/acme/genai/commitment/vertex_gpu", "infrastructure-vertex-gpu", "genai-acme-infrastructure"),
        ("/pipelines/run/acme/genai/unified/consolidate", "consolidate", "genai-acme-consolidate"),
    ],
)
def test_without_dates_each_route_publishes_the_scheduled_jobs_message(bus, path, job_key, topic):
    answer = post(make_api(bus), path)
    assert answer.status == 202, answer.body
    job = SCHEDULED[job_key]
    assert bus.sent == [
        {
            "topic": topic,
            "payload": job.message,  # byte for byte what Cloud Scheduler publishes
            "attributes": {"org_slug": "acme", "flow": job.flow, "origin": "pipelines"},
            "key": "acme/consolidate" if job.flow == "consolidate" else None,
        }
    ]
    assert answer.body["messages"] == [{"message_id": "msg-1", "start_date": None, "end_date": None}]
    assert answer.body["trailing_days"] == 3 and answer.body["topic"] == topic
    assert answer.body["follow"]["runs"].startswith(f"/pipelines/runs/acme?flow={job.flow}")
    assert "trigger_id" in answer.body["follow"]["ledger"]


def test_a_backfill_is_one_message_per_month_each_accepted_by_the_function(bus):
    answer = post(
        make_api(bus),
        "/pipelines/run/acme/genai/payg/anthropic",
        {"start_date": "2025-11-15", "end_date": "2026-02-10"},
    )
    assert answer.status == 202, answer.body
    windows = [(m["payload"]["start_date"], m["payload"]["end_date"]) for m in bus.sent]
    assert windows == [
        ("2025-11-15", "2025-12-01"),
        ("2025-12-01", "2026-01-01"),
        ("2026-01-01", "2026-02-01"),
        ("2026-02-01", "2026-02-10"),
    ]
    for m in bus.sent:
        PaygMessage.model_validate(m["payload"])  # the function's own model accepts it
        assert m["payload"]["provider"] == "anthropic" and m["key"] is None  # ingestion chunks run in parallel
    assert [m["message_id"] for m in answer.body["messages"]] == ["msg-1", "msg-2", "msg-3", "msg-4"]
    assert answer.body["window"] == {"message_id": None, "start_date": "2025-11-15", "end_date": "2026-02-10"}
    assert answer.body["trailing_days"] is None


def test_consolidation_chunks_are_ordered_oldest_first_on_one_key(bus):
    answer = post(
        make_api(bus),
        "/pipelines/run/acme/genai/unified/consolidate",
        {"start_date": "2025-12-20", "end_date": "2026-02-01"},
    )
    assert answer.status == 202
    assert [m["payload"]["start_date"] for m in bus.sent] == ["2025-12-20", "2026-01-01"]
    assert {m["key"] for m in bus.sent} == {"acme/consolidate"}
    for m in bus.sent:
        ConsolidateMessage.model_validate(m["payload"])


def test_commitment_backfill_goes_to_the_flow_of_its_type(bus):
    post(
        make_api(bus),
        "/pipelines/run/acme/genai/commitment/vertex_gpu",
        {"start_date": "2026-01-10", "end_date": "2026-01-20"},
    )
    post(
        make_api(bus),
        "/pipelines/run/acme/genai/commitment/bedrock_pt",
        {"start_date": "2026-01-10", "end_date": "2026-01-20"},
    )
    assert [m["topic"] for m in bus.sent] == ["genai-acme-infrastructure", "genai-acme-commitment"]
    assert [m["attributes"]["flow"] for m in bus.sent] == ["infrastructure", "commitment"]
    for m in bus.sent:
        CommitmentMessage.model_validate(m["payload"])


def test_a_dry_run_plans_the_chunks_and_publishes_nothing(bus):
    answer = post(
        make_api(bus),
        "/pipelines/run/acme/genai/payg/openai",
        {"start_date": "2025-01-01", "end_date": "2026-01-01", "dry_run": True},
    )
    assert answer.status == 200 and answer.body["dry_run"] is True
    assert bus.sent == []
    assert len(answer.body["messages"]) == 12 and {m["message_id"] for m in answer.body["messages"]} == {None}


@pytest.mark.parametrize(
    "path, body, status, message",
    [
        ("/pipelines/run/acme/genai/payg/mistral", None, 400, "unknown provider 'mistral': use one of openai"),
        ("/pipelines/run/acme/genai/commitment/gpu_hours", None, 400, "unknown commitment type"),
        ("/pipelines/run/ACME/genai/payg/openai", None, 400, "invalid org_slug"),
        ("/pipelines/run/acme/genai/payg/openai", {"start_date": "2026-01-01"}, 400, "give both"),
        ("/pipelines/run/acme/genai/payg/openai", {"start_date": "2026-02-01", "end_date": "2026-01-01"}, 400, "after"),
        ("/pipelines/run/acme/genai/payg/openai", {"start_date": "2026-03-01", "end_date": "2026-03-16"}, 400, "today"),
        ("/pipelines/run/acme/genai/payg/openai", {"start_date": "2019-06-01", "end_date": "2019-07-01"}, 400, "2020"),
        (
            "/pipelines/run/acme/genai/payg/openai",
            {"start_date": "2020-01-01", "end_date": "2026-01-01"},
            400,
            str(MAX_BACKFILL_DAYS),
        ),
        (
            "/pipelines/run/acme/genai/payg/openai",
            {"start_date": "2026-13-01", "end_date": "2026-03-01"},
            400,
            "start_date",
        ),
        ("/pipelines/run/acme/genai/payg/openai", {"provider": "anthropic"}, 400, "Extra inputs are not permitted"),
        ("/pipelines/run/acme/genai/payg/openai", b"{not json", 400, "not JSON"),
        ("/pipelines/run/acme/genai/payg/openai", b"[1, 2]", 400, "JSON object"),
        ("/pipelines/run/acme/genai/payg/openai", b"[" * 100_000, 413, "larger than"),
        ("/pipelines/run/acme/genai/payg/openai", b'{"a":' * 500 + b"1" + b"}" * 500, 400, "Extra inputs"),
        ("/pipelines/run/acme/genai/unified/recompute", None, 404, "no such route"),
        ("/pipelines/run/acme/genai/payg", None, 404, "no such route"),
    ],
    ids=[
        "unknown_provider",
        "unknown_commitment_type",
        "bad_org_slug",
        "one_date",
        "reversed",
        "future",
        "too_old",
        "too_long",
        "not_a_date",
        "extra_key",
        "not_json",
        "json_array",
        "too_large",
        "deeply_nested",
        "unknown_route",
        "missing_provider",
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_is_published(bus, path, body, status, message):
    answer = post(make_api(bus), path, body)
    assert answer.status == status, answer.body
    assert message in answer.body["error"]
    assert bus.sent == []


def test_wrong_method_is_405_with_the_allowed_one(bus):
    answer = make_api(bus).handle("GET", "/pipelines/run/acme/genai/payg/openai", b"", {})
    assert answer.status == 405 and answer.headers == {"Allow": "POST"}
    answer = make_api(bus).handle("DELETE", "/pipelines/runs/acme", b"", {})
    assert answer.status == 405 and "GET" in answer.headers["Allow"]
    assert bus.sent == []


@pytest.mark.parametrize(
    "path",
    [
        "/pipelines/run/beta/genai/payg/openai",
        "/pipelines/run/beta/genai/commitment/azure_ptu",
        "/pipelines/run/beta/genai/unified/consolidate",
        "/pipelines/runs/beta",
    ],
)
def test_a_deployment_serves_only_its_own_organization(bus, path):
    method = "GET" if "/runs/" in path else "POST"
    answer = make_api(bus, pinned="acme").handle(method, path, b"", {})
    assert answer.status == 403 and "serves organization acme, not beta" in answer.body["error"]
    assert bus.sent == []


def test_an_unpinned_api_serves_any_valid_organization(bus):
    assert post(make_api(bus, pinned=None), "/pipelines/run/beta/genai/payg/openai").status == 202
    assert bus.sent[0]["payload"] == {"org_slug": "beta", "provider": "openai"}


def test_a_source_the_deployment_does_not_enable_is_refused(bus):
    api = make_api(bus, enabled=frozenset({"openai", "azure_openai", "azure_ptu"}))
    answer = post(api, "/pipelines/run/acme/genai/payg/gemini")
    assert answer.status == 404 and "gemini is not enabled" in answer.body["error"]
    assert "azure_openai, azure_ptu, openai" in answer.body["error"]
    assert post(api, "/pipelines/run/acme/genai/commitment/azure_ptu").status == 202
    assert post(api, "/pipelines/run/acme/genai/unified/consolidate").status == 202
    assert len(bus.sent) == 2
