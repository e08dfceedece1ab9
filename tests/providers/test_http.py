"""The shared request helper: retries, waits, error mapping, response validation, pagination guards."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from genai_costs.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from genai_costs.providers.base import ResponseModel
from genai_costs.providers.http import ProviderHttp, RetryPolicy, paginate, parse_retry_after

from .helpers import mock_client, sequence

URL = "https://api.example.test/v1/thing"
NOW = datetime(2025, 8, 1, 12, tzinfo=UTC)


class Thing(ResponseModel):
    n: int


def make(handler, sleeps, policy=None, **kw):
    client, seen = mock_client(handler)
    http = ProviderHttp(
        "openai",
        "genai-acme-openai",
        client=client,
        policy=policy or RetryPolicy(),
        sleep=sleeps,
        rng=lambda: 0.5,
        now=lambda: NOW,
        **kw,
    )
    return http, seen


def test_429_retry_after_seconds_is_honoured(sleeps):
    http, seen = make(
        sequence(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={"n": 1})), sleeps
    )
    assert http.get(URL, Thing).n == 1
    assert sleeps == [7.0] and len(seen) == 2


def test_retry_after_http_date_and_azure_headers():
    date = (NOW + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after({"retry-after": date}, now=lambda: NOW) == 30
    assert parse_retry_after({"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "12"}, now=lambda: NOW) == 12
    assert parse_retry_after({"x-ms-ratelimit-microsoft.consumption-retry-after": "4"}, now=lambda: NOW) == 4
    assert parse_retry_after({"retry-after": "garbage"}, now=lambda: NOW) is None


def test_server_wait_is_capped(sleeps):
    http, _ = make(
        sequence(
            httpx.Response(429, headers={"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "9999"}),
            httpx.Response(200, json={"n": 1}),
        ),
        sleeps,
        policy=RetryPolicy(max_retry_after=20),
    )
    http.get(URL, Thing)
    assert sleeps == [20]


def test_500_then_success_uses_jittered_backoff(sleeps):
    http, seen = make(
        sequence(httpx.Response(500), httpx.Response(503), httpx.Response(200, json={"n": 2})),
        sleeps,
        policy=RetryPolicy(backoff_base=1.0, backoff_max=60),
    )
    assert http.get(URL, Thing).n == 2
    # full jitter: rng()=0.5 times min(max, base * 2**(attempt-1))
    assert sleeps == [0.5, 1.0] and len(seen) == 3


def test_429_exhausted_raises_rate_limit_after_bounded_attempts(sleeps):
    http, seen = make(lambda r: httpx.Response(429), sleeps, policy=RetryPolicy(max_attempts=4))
    with pytest.raises(ProviderRateLimitError) as info:
        http.get(URL, Thing)
    assert len(seen) == 4 and len(sleeps) == 3
    assert info.value.transient


def test_timeouts_become_unavailable(sleeps):
    def boom(request):
        raise httpx.ReadTimeout("slow", request=request)

    http, seen = make(boom, sleeps, policy=RetryPolicy(max_attempts=3))
    with pytest.raises(ProviderUnavailableError):
        http.get(URL, Thing)
    assert len(seen) == 3


def test_connect_error_then_success(sleeps):
    def fail(request):
        raise httpx.ConnectError("refused", request=request)

    http, _ = make(sequence(fail, httpx.Response(200, json={"n": 3})), sleeps)
    assert http.get(URL, Thing).n == 3


def test_truncated_json_is_retried_a_bounded_number_of_times(sleeps):
    http, seen = make(
        lambda r: httpx.Response(200, content=b'{"n": 1'),
        sleeps,
        policy=RetryPolicy(max_attempts=5, max_bad_response_attempts=3),
    )
    with pytest.raises(ProviderResponseError):
        http.get(URL, Thing)
    assert len(seen) == 3


def test_body_failing_model_is_response_error(sleeps):
    http, seen = make(
        lambda r: httpx.Response(200, json={"n": "not a number"}),
        sleeps,
        policy=RetryPolicy(max_bad_response_attempts=2),
    )
    with pytest.raises(ProviderResponseError) as info:
        http.get(URL, Thing)
    assert "n:" in str(info.value) and len(seen) == 2


def test_401_is_auth_error_naming_secret_and_not_retried(sleeps):
    http, seen = make(
        lambda r: httpx.Response(401, json={"error": {"message": "Incorrect API key provided: sk-x"}}), sleeps
    )
    with pytest.raises(ProviderAuthError) as info:
        http.get(URL, Thing, headers={"Authorization": "Bearer sk-x-very-secret"})
    assert "genai-acme-openai" in str(info.value) and "openai" in str(info.value)
    assert "sk-x" not in str(info.value)
    assert len(seen) == 1 and sleeps == []
    assert not info.value.transient


def test_other_4xx_is_permanent_and_scrubbed(sleeps):
    http, seen = make(
        lambda r: httpx.Response(400, text="bad group_by, your key is hunter2-secret"),
        sleeps,
        secrets=["hunter2-secret"],
    )
    with pytest.raises(ProviderError) as info:
        http.get(URL, Thing)
    assert type(info.value) is ProviderError and len(seen) == 1
    assert "hunter2-secret" not in str(info.value) and "[REDACTED]" in str(info.value)


def test_paginate_follows_cursors_and_guards_loops():
    pages = {None: ("a", 1), "a": ("b", 2), "b": (None, 3)}
    assert [p[1] for p in paginate(lambda c: pages[c], lambda p: p[0], provider="x")] == [1, 2, 3]

    looping = {None: ("a", 1), "a": ("b", 2), "b": ("a", 3)}
    got = []
    with pytest.raises(ProviderResponseError, match="cursor repeated"):
        for p in paginate(lambda c: looping[c], lambda p: p[0], provider="x"):
            got.append(p[1])
    assert got == [1, 2, 3]

    endless = iter(range(10_000))
    with pytest.raises(ProviderResponseError, match="more than 5 pages"):
        list(paginate(lambda c: str(next(endless)), lambda p: p, provider="x", max_pages=5))
