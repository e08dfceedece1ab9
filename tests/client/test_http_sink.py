"""The client against a record_usage endpoint: the stand-in below answers with the real normalizer and
response model (genai_costs.model.usage_event), so the wire contract is checked from both sides."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import httpx
import pytest

from genai_costs.model.usage_event import BatchRejected, BatchResponse, parse_batch
from genai_costs_client import CachedToken, HttpSink, UsageClient
from genai_costs_client.auth import jwt_expiry

from . import sdk_responses as sdk

URL = "https://record-usage-abc123-ew.a.run.app"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.TESTSECRET-id-token.sig"
RECEIVED = datetime(2025, 11, 30, 11, 0, tzinfo=UTC)  # shortly after the SDK fixtures' calls


class RecordUsage:
    """A stand-in for the record_usage function: auth, batch limits, per-event answers."""

    def __init__(self, *, fail_first: int = 0, fail_status: int = 503, max_events: int | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.fail_first, self.fail_status, self.max_events = fail_first, fail_status, max_events

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"error": "missing or invalid bearer token"})
        if len(self.requests) <= self.fail_first:
            return httpx.Response(self.fail_status, headers={"Retry-After": "0"}, json={"error": "try later"})
        if self.max_events is not None and len(json.loads(request.content)["events"]) > self.max_events:
            return httpx.Response(413, json={"error": "too many events"})
        try:
            outcomes = parse_batch(request.content, received_at=RECEIVED)
        except BatchRejected as exc:
            return httpx.Response(exc.http_status, json={"error": str(exc)})
        response = BatchResponse.from_outcomes(outcomes)
        return httpx.Response(response.http_status, content=response.model_dump_json())


def client_for(endpoint: RecordUsage, token_provider=lambda: TOKEN, **options) -> UsageClient:
    sink = HttpSink(URL, token_provider=token_provider, transport=httpx.MockTransport(endpoint))
    return UsageClient(sink, source="tutor-api", **{"flush_interval": 0.01, "backoff": 0.001, **options})


def test_events_are_posted_with_the_bearer_token_and_answered_per_event(caplog):
    endpoint = RecordUsage()
    client = client_for(endpoint, flush_interval=5.0)
    client.record(sdk.openai_chat_reasoning(), tenant_id="school-12", user_id="learner-7")
    at = datetime(2025, 11, 30, 10, 58, tzinfo=UTC)  # Anthropic and Bedrock responses carry no time
    client.record(sdk.anthropic_message(), tenant_id="school-12", occurred_at=at)
    client.record(sdk.gemini_response(), provider="vertex_ai")
    client.record(sdk.bedrock_converse(), model="us.anthropic.claude-sonnet-4-5-20250929-v1:0", occurred_at=at)
    occurred = {"occurred_at": "2025-11-30T10:59:00Z"}
    client.record_usage({"provider": "openai", "model": "gpt-4o", "prompt_tokens": 10, "cached_tokens": 50, **occurred})
    client.record_usage({"provider": "mistral_ai", "model": "mistral-large", "prompt_tokens": 10, **occurred})
    with caplog.at_level(logging.WARNING, logger="genai_costs_client"):
        assert client.close(timeout=10)
    (request,) = endpoint.requests
    assert request.method == "POST" and str(request.url) == URL
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.content)
    assert list(body) == ["events"] and len(body["events"]) == 6
    stats = client.stats()
    assert (stats.sent, stats.accepted, stats.quarantined, stats.rejected) == (6, 4, 1, 1)
    log = caplog.text
    assert "provider 'mistral_ai' is not supported" in log and "exceed the reported input total" in log
    assert TOKEN not in log


def test_a_503_is_retried_after_retry_after_and_then_delivered():
    endpoint = RecordUsage(fail_first=2)
    client = client_for(endpoint, max_attempts=3)
    client.record(sdk.openai_chat_reasoning())
    assert client.close(timeout=10)
    assert len(endpoint.requests) == 3
    assert (client.stats().accepted, client.stats().retries, client.stats().dropped) == (1, 2, 0)


def test_a_400_is_not_retried():
    endpoint = RecordUsage(fail_first=5, fail_status=400)
    client = client_for(endpoint, max_attempts=5)
    client.record(sdk.openai_chat_reasoning())
    client.close(timeout=5)
    assert len(endpoint.requests) == 1 and client.stats().dropped_send_failed == 1


def test_a_413_splits_the_batch_until_it_fits():
    endpoint = RecordUsage(max_events=2)
    client = client_for(endpoint, flush_interval=5.0)
    for i in range(5):
        client.record_usage({"provider": "openai", "model": "gpt-4o", "prompt_tokens": 3, "event_id": f"e{i}",
                             "occurred_at": "2025-11-30T10:59:00Z"})  # fmt: skip
    assert client.close(timeout=10)
    delivered = [e["event_id"] for r in endpoint.requests[1:] for e in json.loads(r.content)["events"]]
    sizes = [len(json.loads(r.content)["events"]) for r in endpoint.requests]
    assert sizes[0] == 5 and max(sizes[1:]) <= 5 and client.stats().accepted == 5
    assert sorted(set(delivered)) == [f"e{i}" for i in range(5)]


def test_rejected_credentials_drop_the_batch_and_never_log_the_token(caplog):
    endpoint = RecordUsage()
    client = client_for(endpoint, token_provider=lambda: "eyJ.TESTSECRET-wrong.sig")
    with caplog.at_level(logging.DEBUG):
        client.record(sdk.openai_chat_reasoning())
        client.close(timeout=5)
    assert client.stats().dropped_send_failed == 1 and len(endpoint.requests) == 1
    assert "401" in caplog.text and "TESTSECRET" not in caplog.text


def test_a_failing_token_provider_is_retried_like_a_network_error():
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("metadata server unavailable: TESTSECRET-never-logged")
        return TOKEN

    endpoint = RecordUsage()
    client = client_for(endpoint, token_provider=flaky, max_attempts=2)
    client.record(sdk.openai_chat_reasoning())
    assert client.close(timeout=5)
    assert client.stats().accepted == 1 and len(calls) == 2


def test_an_unreachable_endpoint_is_retried_a_bounded_number_of_times(caplog):
    attempts = []

    def down(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("connection refused")

    sink = HttpSink(URL, transport=httpx.MockTransport(down))
    client = UsageClient(sink, source="tutor-api", flush_interval=0.01, backoff=0.001, max_attempts=4)
    with caplog.at_level(logging.WARNING, logger="genai_costs_client"):
        for _ in range(3):
            client.record(sdk.openai_chat_reasoning())
        client.close(timeout=5)
    assert len(attempts) % 4 == 0 and client.stats().dropped_send_failed == 3
    assert "record_usage unreachable: ConnectError" in caplog.text


def test_a_cached_token_is_fetched_again_only_near_expiry():
    now = [1000.0]
    fetched = []

    def fetch() -> tuple[str, float]:
        fetched.append(now[0])
        return f"token-{len(fetched)}", now[0] + 3600

    provider = CachedToken(fetch, refresh_margin=300, clock=lambda: now[0])
    assert provider() == "token-1"
    now[0] += 3000
    assert provider() == "token-1"
    now[0] += 301
    assert provider() == "token-2" and len(fetched) == 2


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("h." + "eyJleHAiOjE3NjQ1MDAwMDB9" + ".s", 1764500000.0),  # {"exp":1764500000}
        ("not-a-jwt", 42.0),
    ],
)
def test_jwt_expiry(token, expected):
    assert jwt_expiry(token, default=42.0) == expected
