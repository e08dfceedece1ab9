from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from provider_sim import SimConfig

SERIES = "/gcp/monitoring/v3/projects/acme-genai-prod/timeSeries"
VERTEX = 'metric.type = "aiplatform.googleapis.com/publisher/online_serving/token_count"'
GEMINI_IN = 'metric.type = "generativelanguage.googleapis.com/generate_content_usage_input_token_count"'
WINDOW = {
    "interval.startTime": "2025-10-01T00:00:00Z",
    "interval.endTime": "2025-10-03T00:00:00Z",
    "aggregation.alignmentPeriod": "3600s",
    "aggregation.perSeriesAligner": "ALIGN_SUM",
}


def walk(client: httpx.Client, path: str, params: dict) -> list[dict]:
    series, token = [], None
    while True:
        body = client.get(path, params={**params, **({"pageToken": token} if token else {})}).json()
        series += body.get("timeSeries", [])
        token = body.get("nextPageToken")
        if not token:
            return series


def point_sum(series: list[dict]) -> int:
    return sum(int(p["value"]["int64Value"]) for s in series for p in s["points"])


def test_vertex_token_count_shape_and_paging(client: httpx.Client) -> None:
    series = walk(client, SERIES, {"filter": VERTEX, **WINDOW, "pageSize": 3})
    assert len(series) > 3
    first = series[0]
    assert first["metric"]["labels"]["type"] in ("input", "output")
    assert {"model_user_id", "location", "resource_container"} <= set(first["resource"]["labels"])
    value = first["points"][0]["value"]["int64Value"]
    assert isinstance(value, str) and int(value) > 0
    ends = [p["interval"]["endTime"] for p in first["points"]]
    assert ends == sorted(ends, reverse=True)  # newest first
    reduced = walk(
        client,
        SERIES,
        {
            "filter": VERTEX,
            **WINDOW,
            "aggregation.crossSeriesReducer": "REDUCE_SUM",
            "aggregation.groupByFields": "metric.labels.type",
        },
    )
    assert {s["metric"]["labels"]["type"] for s in reduced} == {"input", "output"}
    assert point_sum(reduced) == point_sum(series)


def test_gemini_metrics_and_filters(client: httpx.Client) -> None:
    body = client.get(
        "/gcp/monitoring/v3/projects/acme-genai-prod/timeSeries", params={"filter": GEMINI_IN, **WINDOW}
    ).json()
    assert body == {}  # Gemini usage lives in the gen-lang-client projects
    assert client.get(SERIES, params={**WINDOW}).status_code == 400
    expired = client.get(
        SERIES, params={"filter": VERTEX, **WINDOW}, headers={"Authorization": "Bearer sim-gcp-token-expired"}
    )
    assert expired.status_code == 401 and expired.json()["error"]["status"] == "UNAUTHENTICATED"


SQL = """SELECT * FROM `billing.gcp_billing_export_v1_X`
WHERE usage_start_time >= @start_time AND usage_start_time < @end_time"""


def query_params(start: datetime, end: datetime) -> bigquery.QueryJobConfig:
    return bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("start_time", "TIMESTAMP", start),
            bigquery.ScalarQueryParameter("end_time", "TIMESTAMP", end),
        ]
    )


def test_bigquery_client_reads_billing_export(live_server: tuple[str, SimConfig]) -> None:
    base_url, _ = live_server
    client = bigquery.Client(
        project="billing-admin",
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=f"{base_url}/gcp"),
    )
    start, end = datetime(2025, 10, 1, tzinfo=UTC), datetime(2025, 10, 2, tzinfo=UTC)
    rows = list(client.query(SQL, job_config=query_params(start, end)).result())
    assert len(rows) > 500  # more than one getQueryResults page at the live server's page size
    services = {row["service"]["description"] for row in rows}
    assert services == {"Vertex AI", "Gemini API"}
    assert all(start <= row["usage_start_time"] < end for row in rows)
    row = rows[0]
    assert isinstance(row["cost"], float) and row["currency"] == "USD" and row["cost_type"] == "regular"
    assert row["usage"]["pricing_unit"] and isinstance(row["credits"], list)
    assert any(c["type"] == "FREE_TIER" for r in rows for c in r["credits"])
    assert any(r["sku"]["description"].startswith("Gemini 3.0 Pro Preview") for r in rows)
    by_query = list(client.query_and_wait(SQL, job_config=query_params(start, end)))
    assert len(by_query) == len(rows)


def test_bigquery_requires_window_parameters(live_server: tuple[str, SimConfig]) -> None:
    base_url, _ = live_server
    client = bigquery.Client(
        project="billing-admin",
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=f"{base_url}/gcp"),
    )
    with pytest.raises(Exception, match="start_time"):
        client.query(SQL).result()
