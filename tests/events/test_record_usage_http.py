"""record_usage through its real entry point (functions-framework's test client): what the producer
is answered, and what reaches the raw and clean tables."""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal

import pytest

from genai_costs.events.recording import caller_identity, read_body
from genai_costs.handlers import handle_usage_request
from genai_costs.messaging.base import Publisher
from genai_costs.model.usage_event import MAX_BATCH_BYTES, BatchRejected
from genai_costs.settings import Settings

from .conftest import EventsWorld, openai_event, ts

# One call, three spellings (docs/usage-events.md "Three spellings, one event"): prompt 1,000 of which
# 400 cache reads, 100 cache writes and 50 audio; completion 300 of which 120 reasoning and 30 audio.
CANONICAL = {
    "event_id": "chatcmpl-canonical",
    "source": "tutor-api",
    "provider": "openai",
    "model": "gpt-4o-2024-08-06",
    "input_uncached_tokens": 450,
    "input_cached_tokens": 400,
    "cache_write_5m_tokens": 100,
    "input_audio_tokens": 50,
    "output_tokens": 270,
    "output_audio_tokens": 30,
    "reasoning_tokens": 120,
    "tenant_id": "tenant-a",
    "user_id": "learner-7",
    "service": "tutor",
    "workflow_id": "wf-42",
    "environment": "prod",
}
USERS_NAMES = {
    "openai_request_id": "chatcmpl-users",
    "source": "tutor-api",
    "provider": "OpenAI",
    "model_used": "gpt-4o-2024-08-06",
    "prompt_tokens": 1000,
    "cached_tokens": 400,
    "cache_write_tokens": 100,
    "input_audio_tokens": 50,
    "completion_tokens": 300,
    "output_audio_tokens": 30,
    "reasoning_tokens": 120,
    "tenant": "tenant-a",
    "learner_id": "learner-7",
    "service_name": "tutor",
    "workflow_id": "wf-42",
    "env": "prod",
    "cost": {"total_cost_usd": 0.004575},
}
OTEL_NAMES = {
    "gen_ai.response.id": "chatcmpl-otel",
    "source": "tutor-api",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.operation.name": "chat",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.cache_read.input_tokens": 400,
    "gen_ai.usage.cache_creation.input_tokens": 100,
    "gen_ai.usage.audio.input_tokens": 50,
    "gen_ai.usage.output_tokens": 300,
    "gen_ai.usage.audio.output_tokens": 30,
    "gen_ai.usage.reasoning.output_tokens": 120,
    "tenant_id": "tenant-a",
    "user.id": "learner-7",
    "service.name": "tutor",
    "workflow_id": "wf-42",
    "deployment.environment.name": "prod",
}
STORED = (
    "provider, model, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens, cache_write_1h_tokens, "
    "input_audio_tokens, output_tokens, output_audio_tokens, reasoning_tokens, tenant_id, user_id, service, "
    "workflow_id, environment, status, event_date"
)


def test_three_spellings_of_one_call_are_accepted_and_stored_alike(world: EventsWorld) -> None:
    events = [e | {"occurred_at": ts(1)} for e in (CANONICAL, USERS_NAMES, OTEL_NAMES)]
    answer = world.post(events)
    assert answer.status_code == 200, answer.json
    assert answer.json == {
        "accepted": 3,
        "quarantined": 0,
        "rejected": 0,
        "results": [
            {"index": i, "event_id": eid, "status": "accepted", "reason": None}
            for i, eid in enumerate(("chatcmpl-canonical", "chatcmpl-users", "chatcmpl-otel"))
        ],
    }
    world.consolidate()
    rows = world.clean(f"event_id, {STORED}")
    assert [r[0] for r in rows] == ["chatcmpl-canonical", "chatcmpl-otel", "chatcmpl-users"]
    assert len({r[1:] for r in rows}) == 1, rows  # the same stored event, whatever the spelling
    assert rows[0][1:10] == ("openai", "gpt-4o-2024-08-06", 450, 400, 100, 0, 50, 270, 30)
    (cost, response_id) = world.clean("client_cost_usd, response_id")[2]
    assert (cost, response_id) == (Decimal("0.004575000"), "chatcmpl-users")  # exact, never a float


def test_a_mixed_batch_answers_207_stores_the_quarantined_with_its_reason_and_not_the_rejected(
    world: EventsWorld,
) -> None:
    canonical_tokens = ("input_uncached_tokens", "input_cached_tokens", "output_tokens")
    bad_tokens = {k: v for k, v in openai_event("chatcmpl-bad").items() if k not in canonical_tokens} | {
        "prompt_tokens": 1000,
        "cached_tokens": 1400,
        "completion_tokens": 10,
    }
    no_provider = openai_event("chatcmpl-rejected") | {"provider": "mistral"}
    answer = world.post([openai_event("chatcmpl-ok"), bad_tokens, no_provider])
    assert answer.status_code == 207
    body = answer.json
    assert (body["accepted"], body["quarantined"], body["rejected"]) == (1, 1, 1)
    reason = body["results"][1]["reason"]
    assert "exceed the reported input total (1000)" in reason
    assert body["results"][2]["event_id"] == "chatcmpl-rejected" and "mistral" in body["results"][2]["reason"]
    assert world.raw_copies() == 2  # the rejected event is never stored

    world.consolidate()
    assert world.clean() == [("tutor-api", "chatcmpl-ok")]
    assert world.quarantined("event_id, quarantine_reason, input_uncached_tokens") == [
        ("chatcmpl-bad", reason, -400)  # derived buckets stay as derived, never "fixed"
    ]


def test_raw_rows_carry_the_subscription_metadata(world: EventsWorld) -> None:
    assert world.post([openai_event("e1"), openai_event("e2")]).status_code == 200
    ((batch_id, message_id, subscription, attributes),) = world.raw_messages()
    assert len(batch_id) == 32 and message_id and subscription.endswith("/subscriptions/genai-usage-events-bq")
    assert json.loads(attributes) == {"schema_version": "1", "event_count": "2"}


@pytest.mark.parametrize(
    "body, status, error",
    [
        (b"{not json", 400, "not valid JSON"),
        (b'{"events": []}', 400, "events is empty"),
        (b'{"records": [{}]}', 400, "must be a JSON object"),
        (b'{"events": [{"input_tokens": NaN}]}', 400, "NaN is not a number"),
        (json.dumps({"events": [{}] * 1001}).encode(), 413, "1001 events; at most 1000"),
    ],
)
def test_unusable_requests_store_nothing(world: EventsWorld, body: bytes, status: int, error: str) -> None:
    answer = world.client.post("/", data=body, content_type="application/json")
    assert answer.status_code == status and error in answer.json["error"]
    assert world.raw_copies() == 0


def test_a_body_over_5_mb_is_refused_413(world: EventsWorld) -> None:
    event = openai_event("e-big", tags={"note": "x" * 200})
    count = MAX_BATCH_BYTES // len(json.dumps(event)) + 10
    body = json.dumps({"events": [event] * count}).encode()
    assert len(body) > MAX_BATCH_BYTES
    answer = world.client.post("/", data=body, content_type="application/json")
    assert answer.status_code == 413 and "at most 5000000" in answer.json["error"]
    assert world.raw_copies() == 0


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_a_declared_oversize_body_is_refused_before_it_is_read() -> None:
    stream = _CountingStream(b"x" * 10)
    with pytest.raises(BatchRejected) as refused:
        read_body(stream, MAX_BATCH_BYTES + 1)
    assert refused.value.http_status == 413 and stream.bytes_read == 0


def test_an_undeclared_oversize_body_is_read_no_further_than_the_limit() -> None:
    stream = _CountingStream(b"x" * (MAX_BATCH_BYTES * 2))
    with pytest.raises(BatchRejected):
        read_body(stream, None)
    assert stream.bytes_read == MAX_BATCH_BYTES + 1


def test_only_post_is_allowed(world: EventsWorld) -> None:
    answer = world.client.get("/")
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"


class _Unavailable(Publisher):
    def __init__(self) -> None:
        self.attempts = 0

    def publish(self, topic, payload, attributes=None) -> str:  # type: ignore[no-untyped-def]
        self.attempts += 1
        raise TimeoutError("pubsub did not answer in 60 s")


def test_a_failed_publish_answers_503_and_stores_nothing_then_the_resend_counts_once(world: EventsWorld) -> None:
    batch = [openai_event("e1"), openai_event("e2")]
    failing = _Unavailable()
    body = json.dumps({"events": batch}).encode()
    status = handle_usage_request(io.BytesIO(body), len(body), None, publisher=lambda: failing, settings=Settings())
    assert status[1] == 503 and status[2] == {"Retry-After": "5"} and "resend the same batch" in status[0]["error"]
    assert failing.attempts == 1 and world.raw_copies() == 0

    assert world.post(batch).status_code == 200  # the client retries with the same ids
    assert world.post(batch).status_code == 200  # ... and once more: its first answer was lost
    world.consolidate()
    assert world.clean("event_id, occurrences") == [("e1", 2), ("e2", 2)]


def _unsigned_token(claims: dict[str, str]) -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def test_the_verified_caller_is_the_default_source_in_the_cloud_only(world: EventsWorld) -> None:
    event = {k: v for k, v in openai_event("e1").items() if k != "source"}
    body = json.dumps({"events": [event]}).encode()
    bearer = "Bearer " + _unsigned_token({"email": "tutor@acme-prod.iam.gserviceaccount.com", "sub": "1"})
    cloud = Settings(gcp_project="acme-prod")
    answer, status, _ = handle_usage_request(
        io.BytesIO(body), len(body), bearer, publisher=lambda: world.bus, settings=cloud
    )
    assert status == 200, answer
    embedded_answer = world.client.post("/", json={"events": [event]}, headers={"Authorization": bearer})
    assert embedded_answer.status_code == 207  # nobody verified the token: no default source
    assert "no source" in embedded_answer.json["results"][0]["reason"]
    assert world.rows("SELECT caller FROM acme_prod.genai_usage_events_raw") == [
        ("tutor@acme-prod.iam.gserviceaccount.com",)
    ]
    world.consolidate()
    assert world.clean() == [("tutor@acme-prod.iam.gserviceaccount.com", "e1")]


@pytest.mark.parametrize(
    "header, identity",
    [
        (None, None),
        ("Basic dXNlcjpwdw==", None),
        ("Bearer not-a-jwt", None),
        ("Bearer " + _unsigned_token({"sub": "113"}), "113"),
        ("Bearer " + _unsigned_token({"email": "a" * 200 + "@x.com"}), None),  # too long for a source
    ],
)
def test_caller_identity(header: str | None, identity: str | None) -> None:
    assert caller_identity(header) == identity


def test_embedded_without_a_bus_is_a_clear_error_and_bad_requests_still_get_400() -> None:
    from functions_framework import create_app

    from .conftest import MAIN

    client = create_app("record_usage", str(MAIN), "http").test_client()
    answer = client.post("/", json={"events": [openai_event("e1")]})
    assert answer.status_code == 500 and "no in-process bus installed" in answer.json["error"]
    assert client.post("/", data=b"{", content_type="application/json").status_code == 400
