from __future__ import annotations

import base64
from decimal import Decimal

import httpx

from provider_sim.dataset_types import Dims, Usage
from provider_sim.prices import line_costs

AUTH = {"x-api-key": "sk-ant-admin01-sim-anthropic", "anthropic-version": "2023-06-01"}
USAGE = "/anthropic/v1/organizations/usage_report/messages"
COST = "/anthropic/v1/organizations/cost_report"


def walk(client: httpx.Client, path: str, params: list[tuple[str, str]]) -> list[dict]:
    buckets, page = [], None
    while True:
        response = client.get(path, params=params + ([("page", page)] if page else []), headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        buckets += body["data"]
        if not body["has_more"]:
            return buckets
        page = body["next_page"]
        assert page.startswith("page_")


def test_auth_rejections(client: httpx.Client) -> None:
    params = {"starting_at": "2025-10-01T00:00:00Z"}
    assert client.get(USAGE, params=params).status_code == 401
    expired = client.get(USAGE, params=params, headers={**AUTH, "x-api-key": "sk-ant-admin01-sim-expired"})
    assert expired.status_code == 401 and expired.json()["error"]["type"] == "authentication_error"
    assert client.get(USAGE, params=params, headers={**AUTH, "x-api-key": "sk-ant-api03-x"}).status_code == 403
    missing_version = client.get(USAGE, params=params, headers={"x-api-key": AUTH["x-api-key"]})
    assert missing_version.status_code == 400


def test_snapped_start_and_shape(client: httpx.Client) -> None:
    body = client.get(
        USAGE,
        params=[
            ("starting_at", "2025-10-02T13:45:10Z"),
            ("bucket_width", "1h"),
            ("limit", "2"),
            ("group_by[]", "model"),
            ("group_by[]", "workspace_id"),
        ],
        headers=AUTH,
    ).json()
    first = body["data"][0]
    assert (first["starting_at"], first["ending_at"]) == ("2025-10-02T13:00:00Z", "2025-10-02T14:00:00Z")
    assert body["next_page"] == "page_" + base64.urlsafe_b64encode(b'"2025-10-02T15:00:00Z"').decode()
    result = first["results"][0]
    assert set(result["cache_creation"]) == {"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"}
    assert "cache_creation_input_tokens" not in result and "server_tool_use" in result
    assert result["api_key_id"] is None and result["service_tier"] is None


def test_null_dimensions_and_tiers(client: httpx.Client) -> None:
    data = walk(
        client,
        USAGE,
        [
            ("starting_at", "2025-10-01T00:00:00Z"),
            ("ending_at", "2025-10-04T00:00:00Z"),
            ("group_by[]", "api_key_id"),
            ("group_by[]", "workspace_id"),
            ("group_by[]", "service_tier"),
            ("group_by[]", "context_window"),
        ],
    )
    results = [r for b in data for r in b["results"]]
    assert any(r["api_key_id"] is None for r in results)
    assert any(r["workspace_id"] is None for r in results)
    assert {r["service_tier"] for r in results} == {"standard", "batch", "priority"}
    assert {r["context_window"] for r in results} == {"0-200k", "200k-1M"}


def test_pagination_sums_match(client: httpx.Client) -> None:
    base = [("starting_at", "2025-10-01T00:00:00Z"), ("ending_at", "2025-10-03T00:00:00Z"), ("bucket_width", "1h")]
    paged = walk(client, USAGE, [*base, ("limit", "5"), ("group_by[]", "model")])
    whole = walk(client, USAGE, [*base, ("limit", "48")])
    assert len(paged) == len(whole) == 48

    def total(buckets: list[dict]) -> int:
        return sum(
            r["output_tokens"] + r["cache_creation"]["ephemeral_1h_input_tokens"] for b in buckets for r in b["results"]
        )

    assert total(paged) == total(whole) > 0
    too_many = client.get(USAGE, params=[*base, ("limit", "169")], headers=AUTH)
    assert too_many.status_code == 400


def _usage_from(result: dict) -> Usage:
    return Usage(
        uncached_input=result["uncached_input_tokens"],
        cached_input=result["cache_read_input_tokens"],
        cache_write_5m=result["cache_creation"]["ephemeral_5m_input_tokens"],
        cache_write_1h=result["cache_creation"]["ephemeral_1h_input_tokens"],
        output=result["output_tokens"],
        web_search_requests=result["server_tool_use"]["web_search_requests"],
    )


def test_cost_report_in_cents_and_excludes_priority(client: httpx.Client) -> None:
    window = [("starting_at", "2025-10-01T00:00:00Z"), ("ending_at", "2025-10-03T00:00:00Z")]
    usage = walk(
        client,
        USAGE,
        [*window, ("group_by[]", "model"), ("group_by[]", "service_tier"), ("group_by[]", "context_window")],
    )
    expected = Decimal(0)
    for r in (r for b in usage for r in b["results"]):
        if r["service_tier"] == "priority":
            continue
        dims = Dims(
            r["model"], None, None, None, r["service_tier"], r["service_tier"] == "batch", "global", r["context_window"]
        )
        expected += sum(usd for _, usd in line_costs("anthropic", dims, _usage_from(r)).values())
    costs = walk(client, "/anthropic/v1/organizations/cost_report", [*window, ("group_by[]", "description")])
    rows = [r for b in costs for r in b["results"]]
    assert all(isinstance(r["amount"], str) and r["currency"] == "USD" for r in rows)
    reported_usd = sum(Decimal(r["amount"]) for r in rows) / 100
    assert abs(reported_usd - expected) < Decimal("0.000001") * len(rows)
    assert "priority" not in {r["service_tier"] for r in rows}
    assert {"uncached_input_tokens", "cache_creation.ephemeral_1h_input_tokens"} <= {r["token_type"] for r in rows}
    assert any(r["cost_type"] == "web_search" for r in rows)
    assert client.get(COST, params=[*window, ("bucket_width", "1h")], headers=AUTH).status_code == 400


def test_cost_report_ungrouped_totals(client: httpx.Client) -> None:
    window = [("starting_at", "2025-10-01T00:00:00Z"), ("ending_at", "2025-10-02T00:00:00Z")]
    grouped = walk(client, COST, [*window, ("group_by[]", "description")])
    single = walk(client, COST, window)
    (row,) = single[0]["results"]
    assert row["description"] is None and row["model"] is None
    parts = sum(Decimal(r["amount"]) for r in grouped[0]["results"])
    assert abs(Decimal(row["amount"]) - parts) < Decimal("0.0001")
