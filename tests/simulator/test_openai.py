from __future__ import annotations

from decimal import Decimal

import httpx

from provider_sim.dataset_types import Dims, Usage
from provider_sim.prices import effective_rate

AUTH = {"Authorization": "Bearer sk-admin-sim-openai"}
USAGE = "/openai/v1/organization/usage/completions"
OCT1 = 1759276800  # 2025-10-01T00:00:00Z


def walk(client: httpx.Client, path: str, params: dict) -> list[dict]:
    buckets, page = [], None
    while True:
        response = client.get(path, params={**params, **({"page": page} if page else {})}, headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        buckets += body["data"]
        if not body["has_more"]:
            assert body["next_page"] is None
            return buckets
        page = body["next_page"]


def totals(buckets: list[dict], field: str) -> int:
    return sum(r[field] for b in buckets for r in b["results"])


def test_auth_rejections(client: httpx.Client) -> None:
    params = {"start_time": OCT1}
    for headers in (
        {},
        {"Authorization": "Bearer sk-proj-normal"},
        {"Authorization": "Bearer sk-admin-sim-openai-expired"},
    ):
        response = client.get(USAGE, params=params, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"


def test_pagination_sums_match_single_request(client: httpx.Client) -> None:
    params = {"start_time": OCT1, "end_time": OCT1 + 3 * 86400, "bucket_width": "1h"}
    paged = walk(client, USAGE, {**params, "limit": 7, "group_by": ["model", "project_id"]})
    whole = walk(client, USAGE, {**params, "limit": 168})
    assert len(paged) == 72
    for field in ("input_tokens", "output_tokens", "input_cached_tokens", "num_model_requests"):
        assert totals(paged, field) == totals(whole, field) > 0


def test_partial_first_bucket_and_grouping_nulls(client: httpx.Client) -> None:
    start = OCT1 + 3600 * 5 + 1860  # 05:31, not aligned
    body = client.get(
        USAGE, params={"start_time": start, "limit": 2, "group_by": ["model", "project_id"]}, headers=AUTH
    ).json()
    first, second = body["data"]
    assert (first["start_time"], first["end_time"]) == (start, OCT1 + 86400)
    assert (second["start_time"], second["end_time"]) == (OCT1 + 86400, OCT1 + 2 * 86400)
    result = first["results"][0]
    assert result["model"] and result["project_id"] and result["user_id"] is None and result["batch"] is None
    assert result["input_tokens"] == (
        result["input_uncached_tokens"] + result["input_cached_tokens"] + result["input_cache_write_tokens"]
    )


def test_partial_plus_rest_equals_whole_day(client: httpx.Client) -> None:
    def day_total(start: int, end: int) -> int:
        return totals(walk(client, USAGE, {"start_time": start, "end_time": end, "bucket_width": "1d"}), "input_tokens")

    split = OCT1 + 3600 * 7 + 600
    assert day_total(OCT1, split) + day_total(split, OCT1 + 86400) == day_total(OCT1, OCT1 + 86400)


def test_minute_buckets_and_empty_results(client: httpx.Client) -> None:
    body = client.get(USAGE, params={"start_time": OCT1, "bucket_width": "1m", "limit": 1440}, headers=AUTH).json()
    assert len(body["data"]) == 1440
    assert any(b["results"] == [] for b in body["data"])
    hourly = walk(client, USAGE, {"start_time": OCT1, "end_time": OCT1 + 86400, "bucket_width": "1h", "limit": 24})
    assert totals(body["data"], "output_tokens") == totals(hourly, "output_tokens")


def test_limits_and_validation(client: httpx.Client) -> None:
    def status(**params: object) -> int:
        return client.get(USAGE, params={"start_time": OCT1, **params}, headers=AUTH).status_code

    assert status(bucket_width="1d", limit=32) == 400
    assert status(bucket_width="1h", limit=169) == 400
    assert status(bucket_width="1m", limit=1441) == 400
    assert status(bucket_width="1h", limit=168) == 200
    assert status(group_by="line_item") == 400
    assert client.get(USAGE, headers=AUTH).status_code == 400


def test_embeddings_endpoint(client: httpx.Client) -> None:
    body = client.get(
        "/openai/v1/organization/usage/embeddings", params={"start_time": OCT1, "group_by": "model"}, headers=AUTH
    ).json()
    models = {r["model"] for b in body["data"] for r in b["results"]}
    assert models <= {"text-embedding-3-small", "text-embedding-3-large"} and models
    assert body["data"][0]["results"][0]["object"] == "organization.usage.embeddings.result"


def test_costs_match_usage_times_list_price(client: httpx.Client) -> None:
    window = {"start_time": OCT1, "end_time": OCT1 + 2 * 86400}
    usage = walk(client, USAGE, {**window, "group_by": ["model", "batch", "service_tier"]})
    usage += walk(client, "/openai/v1/organization/usage/embeddings", {**window, "group_by": ["model"]})
    expected = Decimal(0)
    for result in (r for b in usage for r in b["results"]):
        dims = Dims(
            result["model"],
            None,
            None,
            None,
            result.get("service_tier") or "default",
            bool(result.get("batch")),
            "global",
        )
        per_m = effective_rate("openai", dims).per_category()
        u = Usage(
            uncached_input=result.get("input_uncached_tokens", result["input_tokens"])
            - result.get("input_audio_tokens", 0),
            cached_input=result.get("input_cached_tokens", 0),
            cache_write_5m=result.get("input_cache_write_tokens", 0),
            output=result.get("output_tokens", 0) - result.get("output_audio_tokens", 0),
            audio_input=result.get("input_audio_tokens", 0),
            audio_output=result.get("output_audio_tokens", 0),
        )
        expected += sum(per_m[c] * getattr(u, c) for c in per_m) / 1_000_000
    costs = walk(client, "/openai/v1/organization/costs", {**window, "group_by": ["line_item"]})
    reported = sum(r["amount"]["value"] for b in costs for r in b["results"])
    assert abs(reported - float(expected)) < 1e-6 * float(expected)
    item = costs[0]["results"][0]
    assert item["amount"]["currency"] == "usd" and isinstance(item["amount"]["value"], float)
    assert ", " in item["line_item"] and item["quantity_unit"] == "tokens"
    assert any(r["line_item"].startswith("gpt-5.5-preview, ") for b in costs for r in b["results"])


def test_costs_only_daily(client: httpx.Client) -> None:
    response = client.get(
        "/openai/v1/organization/costs", params={"start_time": OCT1, "bucket_width": "1h"}, headers=AUTH
    )
    assert response.status_code == 400
    assert (
        client.get("/openai/v1/organization/costs", params={"start_time": OCT1, "limit": 181}, headers=AUTH).status_code
        == 400
    )
