"""Anthropic Admin API contract tests, fixtures from the documented examples."""

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from genai_costs.errors import ProviderAuthError, ProviderResponseError
from genai_costs.model.window import Window
from genai_costs.providers.registry import build_client

from .helpers import ANTHROPIC_KEY, load, mock_client, sequence

WINDOW = Window(start=date(2025, 8, 1), end=date(2025, 8, 2))
SECRET = "genai-acme-anthropic"


def client(handler, sleeps, **options):
    http, seen = mock_client(handler)
    c = build_client(
        "anthropic",
        {"admin_api_key": ANTHROPIC_KEY, "base_url": "https://ant.test"},
        secret_name=SECRET,
        http=http,
        sleep=sleeps,
        options=options or None,
    )
    return c, seen


def last(body):
    body = copy.deepcopy(body)
    body["has_more"], body["next_page"] = False, None
    return body


def test_documented_example_categories(sleeps):
    c, _ = client(sequence(httpx.Response(200, json=last(load("anthropic_usage_messages.json")))), sleeps)
    [r] = list(c.iter_usage(WINDOW))
    assert r.input_uncached_tokens == 1500
    assert r.cache_write_5m_tokens == 500 and r.cache_write_1h_tokens == 1000
    assert r.input_cached_tokens == 200 and r.output_tokens == 500
    assert r.web_search_requests == 10 and r.requests is None
    assert r.provider_total_tokens == 3700 and r.invariant_violation() is None
    assert (r.model, r.project_id, r.api_key_id, r.service_tier, r.context_window, r.is_batch) == (
        "claude-sonnet-4-20250514",
        "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
        "apikey_01Rj2N8SVvo6BePZj99NhmiT",
        "standard",
        "0-200k",
        False,
    )
    assert r.bucket_start == datetime(2025, 8, 1, tzinfo=UTC)
    assert r.source == "anthropic.usage_report.messages"


def test_no_scalar_cache_creation_field_is_read(sleeps):
    body = last(load("anthropic_usage_messages.json"))
    res = body["data"][0]["results"][0]
    res["cache_creation_input_tokens"] = 999_999  # a trap: not part of the report, must be ignored
    res["service_tier"] = "batch"
    c, _ = client(sequence(httpx.Response(200, json=body)), sleeps)
    [r] = list(c.iter_usage(WINDOW))
    assert r.cache_write_5m_tokens + r.cache_write_1h_tokens == 1500 and r.is_batch is True


def test_request_headers_rfc3339_and_bracket_arrays(sleeps):
    c, seen = client(sequence(httpx.Response(200, json=last(load("anthropic_usage_messages.json")))), sleeps)
    list(c.iter_usage(WINDOW))
    req = seen[0]
    assert req.url.path == "/v1/organizations/usage_report/messages"
    assert req.headers["x-api-key"] == ANTHROPIC_KEY and req.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in req.headers
    q = req.url.params
    assert q["starting_at"] == "2025-08-01T00:00:00Z" and q["ending_at"] == "2025-08-02T00:00:00Z"
    assert q.get_list("group_by[]") == ["model", "workspace_id", "api_key_id", "service_tier", "context_window"]
    assert "group_by" not in q and q["bucket_width"] == "1h" and q["limit"] == "168"
    assert "group_by%5B%5D=model" in str(req.url)


def test_three_pages_and_loop_guard(sleeps):
    p1 = load("anthropic_usage_messages.json")
    p2 = copy.deepcopy(p1)
    p2["next_page"] = "page_two"
    p3 = last(p1)
    # Three different pages (a page equal to an earlier one is skipped as a repeat).
    p2["data"][0]["results"][0]["server_tool_use"]["web_search_requests"] = 11
    p3["data"][0]["results"][0]["server_tool_use"]["web_search_requests"] = 12
    pages = {None: p1, "page_MjAyNS0wNS0xNFQwMDowMDowMFo=": p2, "page_two": p3}
    c, seen = client(lambda r: httpx.Response(200, json=pages[r.url.params.get("page")]), sleeps)
    assert len(list(c.iter_usage(WINDOW))) == 3 and len(seen) == 3

    c, _ = client(lambda r: httpx.Response(200, json=p1), sleeps)
    with pytest.raises(ProviderResponseError):
        list(c.iter_usage(WINDOW))


def test_cost_report_cents_to_dollars_exactly(sleeps):
    c, seen = client(sequence(httpx.Response(200, json=load("anthropic_cost_report.json"))), sleeps)
    [row] = list(c.iter_costs(WINDOW))
    assert row.amount == Decimal("1.2378912") and str(row.amount) == "1.2378912"
    assert row.currency == "USD" and row.usage_date == date(2025, 8, 1)
    assert (row.line_item, row.token_type, row.model, row.service_tier, row.project_id) == (
        "Claude Sonnet 4 Usage - Input Tokens",
        "uncached_input_tokens",
        "claude-sonnet-4-20250514",
        "standard",
        "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
    )
    q = seen[0].url.params
    assert seen[0].url.path == "/v1/organizations/cost_report"
    assert q.get_list("group_by[]") == ["workspace_id", "description"] and q["bucket_width"] == "1d"


def test_500_then_success_and_401(sleeps):
    c, _ = client(sequence(httpx.Response(500), httpx.Response(200, json=load("anthropic_cost_report.json"))), sleeps)
    assert len(list(c.iter_costs(WINDOW))) == 1 and len(sleeps) == 1

    c, _ = client(
        lambda r: httpx.Response(401, json={"type": "error", "error": {"type": "authentication_error"}}), sleeps
    )
    with pytest.raises(ProviderAuthError) as info:
        list(c.iter_costs(WINDOW))
    assert SECRET in str(info.value) and "anthropic" in str(info.value) and ANTHROPIC_KEY not in str(info.value)


def test_truncated_json_bounded(sleeps):
    c, seen = client(lambda r: httpx.Response(200, content=b'{"data": [{"starting_at": "2025-08'), sleeps)
    with pytest.raises(ProviderResponseError):
        list(c.iter_usage(WINDOW))
    assert len(seen) == 3  # default max_bad_response_attempts
