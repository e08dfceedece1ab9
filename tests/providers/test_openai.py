"""OpenAI contract tests, fixtures from the OpenAPI spec example / cookbook shapes."""

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from genai_costs.errors import ProviderAuthError, ProviderResponseError
from genai_costs.model.window import Window
from genai_costs.providers.registry import build_client

from .helpers import OPENAI_KEY, load, mock_client, sequence

WINDOW = Window(start=date(2024, 11, 1), end=date(2024, 11, 3))
SECRET = "genai-acme-openai"


def client(handler, sleeps, **options):
    http, seen = mock_client(handler)
    c = build_client(
        "openai",
        {"admin_api_key": OPENAI_KEY, "base_url": "https://oai.test/v1"},
        secret_name=SECRET,
        http=http,
        sleep=sleeps,
        options={"include_embeddings": False, **options},
    )
    return c, seen


def last_page(body):
    body = copy.deepcopy(body)
    body["has_more"], body["next_page"] = False, None
    return body


def test_head_example_normalizes_into_disjoint_categories(sleeps):
    c, _seen = client(sequence(httpx.Response(200, json=last_page(load("openai_usage_completions.json")))), sleeps)
    [r] = list(c.iter_usage(WINDOW))
    assert (r.input_uncached_tokens, r.input_cached_tokens, r.cache_write_5m_tokens) == (500, 400, 100)
    assert r.output_tokens == 500 and r.requests == 5
    assert r.provider_total_tokens == 1500 and r.invariant_violation() is None
    assert r.bucket_start == datetime(2024, 11, 1, tzinfo=UTC) and r.usage_date == date(2024, 11, 1)
    assert r.source == "openai.usage.completions" and r.bucket_width == "1h"


def test_request_parameters_unix_seconds_repeated_group_by_and_bearer(sleeps):
    c, seen = client(sequence(httpx.Response(200, json=last_page(load("openai_usage_completions.json")))), sleeps)
    list(c.iter_usage(WINDOW))
    req = seen[0]
    assert req.url.path == "/v1/organization/usage/completions"
    q = req.url.params
    assert q["start_time"] == "1730419200" and q["end_time"] == "1730592000"
    assert q.get_list("group_by") == ["model", "project_id", "api_key_id", "batch", "service_tier"]
    assert "group_by[]" not in q and q["bucket_width"] == "1h" and q["limit"] == "168"
    assert req.headers["authorization"] == f"Bearer {OPENAI_KEY}"


def test_old_shape_without_uncached_derives_it(sleeps):
    c, _ = client(sequence(httpx.Response(200, json=load("openai_usage_completions_2024.json"))), sleeps)
    [r] = list(c.iter_usage(WINDOW))  # the empty bucket yields nothing
    # 5000 input = 1200 cached + 300 audio + 3500 uncached; 900 output = 100 audio + 800 text
    assert (r.input_uncached_tokens, r.input_cached_tokens, r.input_audio_tokens) == (3500, 1200, 300)
    assert (r.output_tokens, r.output_audio_tokens) == (800, 100)
    assert r.provider_total_tokens == 5900 and r.invariant_violation() is None
    assert (r.model, r.project_id, r.api_key_id, r.is_batch, r.service_tier) == (
        "gpt-4o-mini-2024-07-18",
        "proj_abc",
        "key_abc",
        False,
        "default",
    )


def test_inconsistent_provider_numbers_are_not_fixed(sleeps):
    body = last_page(load("openai_usage_completions.json"))
    body["data"][0]["results"][0]["input_uncached_tokens"] = 450  # 450+400+100 != 1000
    c, _ = client(sequence(httpx.Response(200, json=body)), sleeps)
    [r] = list(c.iter_usage(WINDOW))
    assert r.input_uncached_tokens == 450 and r.provider_total_tokens == 1500
    assert r.invariant_violation() is not None


def test_embeddings_endpoint(sleeps):
    c, seen = client(
        sequence(
            httpx.Response(200, json=last_page(load("openai_usage_completions.json"))),
            httpx.Response(200, json=load("openai_usage_embeddings.json")),
        ),
        sleeps,
        include_embeddings=True,
    )
    records = list(c.iter_usage(WINDOW))
    emb = records[-1]
    assert seen[1].url.path.endswith("/usage/embeddings")
    assert seen[1].url.params.get_list("group_by") == ["model", "project_id", "api_key_id"]
    assert (emb.source, emb.input_uncached_tokens, emb.output_tokens, emb.provider_total_tokens) == (
        "openai.usage.embeddings",
        16,
        0,
        16,
    )


def test_pagination_across_three_pages(sleeps):
    p1 = load("openai_usage_completions.json")
    p2 = copy.deepcopy(p1)
    p2["next_page"] = "page_2"
    p3 = last_page(p1)
    # Three different pages (a page equal to an earlier one is skipped as a repeat).
    p2["data"][0]["results"][0]["num_model_requests"] = 6
    p3["data"][0]["results"][0]["num_model_requests"] = 7

    def handler(request):
        page = request.url.params.get("page")
        return httpx.Response(200, json={None: p1, "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=": p2, "page_2": p3}[page])

    c, seen = client(handler, sleeps)
    assert len(list(c.iter_usage(WINDOW))) == 3
    assert [r.url.params.get("page") for r in seen] == [None, "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=", "page_2"]


def test_cursor_loop_guard(sleeps):
    c, seen = client(lambda r: httpx.Response(200, json=load("openai_usage_completions.json")), sleeps)
    with pytest.raises(ProviderResponseError, match="cursor repeated"):
        list(c.iter_usage(WINDOW))
    assert len(seen) == 2


def test_has_more_without_cursor_is_untrustworthy(sleeps):
    body = load("openai_usage_completions.json")
    body["next_page"] = None
    c, _ = client(sequence(httpx.Response(200, json=body)), sleeps)
    with pytest.raises(ProviderResponseError):
        list(c.iter_usage(WINDOW))


def test_429_retry_after_then_success(sleeps):
    c, _seen = client(
        sequence(
            httpx.Response(429, headers={"retry-after": "3"}),
            httpx.Response(200, json=last_page(load("openai_usage_completions.json"))),
        ),
        sleeps,
    )
    assert len(list(c.iter_usage(WINDOW))) == 1
    assert sleeps == [3.0]


def test_costs(sleeps):
    c, seen = client(sequence(httpx.Response(200, json=load("openai_costs.json"))), sleeps)
    rows = list(c.iter_costs(WINDOW))
    q = seen[0].url.params
    assert seen[0].url.path == "/v1/organization/costs"
    assert q["bucket_width"] == "1d" and q.get_list("group_by") == ["line_item", "project_id"]
    assert q["start_time"] == "1730419200"
    assert rows[0].amount == Decimal("0.06") and rows[0].currency == "USD" and rows[0].usage_date == date(2024, 11, 1)
    assert rows[0].model is None and rows[0].line_item is None
    assert (rows[1].model, rows[1].token_type, rows[1].project_id) == ("gpt-4o-2024-08-06", "input", "proj_abc")
    assert rows[1].amount == Decimal("1.25")


def test_401_names_secret_not_key(sleeps):
    c, _ = client(
        lambda r: httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {OPENAI_KEY}"}}), sleeps
    )
    with pytest.raises(ProviderAuthError) as info:
        list(c.iter_usage(WINDOW))
    assert SECRET in str(info.value) and OPENAI_KEY not in str(info.value)


def test_new_shape_with_audio_and_daily_buckets(sleeps):
    body = last_page(load("openai_usage_completions.json"))
    res = body["data"][0]["results"][0]
    # 1000 input = 400 cached + 100 write + 500 uncached, of which 50 uncached audio
    res.update(input_audio_tokens=50, output_audio_tokens=20)
    c, seen = client(sequence(httpx.Response(200, json=body)), sleeps, bucket_width="1d")
    [r] = list(c.iter_usage(WINDOW))
    assert seen[0].url.params["bucket_width"] == "1d" and seen[0].url.params["limit"] == "31"
    assert (r.input_uncached_tokens, r.input_audio_tokens, r.output_tokens, r.output_audio_tokens) == (450, 50, 480, 20)
    assert r.bucket_width == "1d" and r.invariant_violation() is None
