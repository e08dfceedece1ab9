from __future__ import annotations

from collections.abc import Callable

import httpx

from provider_sim.catalog import AZURE_SUBSCRIPTION
from provider_sim.config import Paging

AUTH = {"Authorization": "Bearer sim-azure-token"}
ACCOUNT = (
    f"/azure/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/rg-genai/providers/"
    "Microsoft.CognitiveServices/accounts/aoai-sim-eastus"
)
QUERY = f"/azure/subscriptions/{AZURE_SUBSCRIPTION}/providers/Microsoft.CostManagement/query"
CM_VERSION = {"api-version": "2023-11-01"}


def body(grouping: list[str], aggregations: int = 1) -> dict:
    names = ["Cost", "UsageQuantity", "PreTaxCost"][:aggregations]
    return {
        "type": "ActualCost",
        "timeframe": "Custom",
        "timePeriod": {"from": "2025-10-01T00:00:00Z", "to": "2025-10-03T23:59:59Z"},
        "dataset": {
            "granularity": "Daily",
            "aggregation": {f"agg{i}": {"name": n, "function": "Sum"} for i, n in enumerate(names)},
            "grouping": [{"type": "Dimension", "name": g} for g in grouping],
        },
    }


def test_auth(client: httpx.Client) -> None:
    assert client.get(f"{ACCOUNT}/deployments", params={"api-version": "2024-10-01"}).status_code == 401
    expired = client.get(
        f"{ACCOUNT}/deployments",
        params={"api-version": "2024-10-01"},
        headers={"Authorization": "Bearer sim-azure-token-expired"},
    )
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "ExpiredAuthenticationToken"


def test_deployments_include_payg_and_ptu(client: httpx.Client) -> None:
    value = client.get(f"{ACCOUNT}/deployments", params={"api-version": "2024-10-01"}, headers=AUTH).json()["value"]
    skus = {d["sku"]["name"] for d in value}
    assert {"Standard", "GlobalStandard", "GlobalProvisionedManaged"} <= skus
    assert all(isinstance(d["sku"]["capacity"], int) and d["properties"]["model"]["name"] for d in value)


def test_metrics_split_by_deployment(client: httpx.Client) -> None:
    params = {
        "api-version": "2023-10-01",
        "metricnames": "ProcessedPromptTokens,GeneratedTokens,AzureOpenAIRequests",
        "timespan": "2025-10-01T00:00:00Z/2025-10-02T00:00:00Z",
        "interval": "PT1H",
        "aggregation": "Total",
        "$filter": "ModelDeploymentName eq '*'",
    }
    split = client.get(f"{ACCOUNT}/providers/Microsoft.Insights/metrics", params=params, headers=AUTH).json()
    assert [m["name"]["value"] for m in split["value"]] == [
        "ProcessedPromptTokens",
        "GeneratedTokens",
        "AzureOpenAIRequests",
    ]
    series = split["value"][0]["timeseries"]
    assert len(series) >= 5 and all(len(s["data"]) == 24 for s in series)
    assert series[0]["metadatavalues"][0]["name"]["value"] == "modeldeploymentname"
    unsplit = client.get(
        f"{ACCOUNT}/providers/Microsoft.Insights/metrics",
        params={k: v for k, v in params.items() if k != "$filter"},
        headers=AUTH,
    ).json()
    total = sum(d["total"] for d in unsplit["value"][0]["timeseries"][0]["data"])
    assert total == sum(d["total"] for s in series for d in s["data"]) > 0


def test_cost_query_limits(client: httpx.Client) -> None:
    too_many_groups = client.post(
        QUERY, params=CM_VERSION, headers=AUTH, json=body(["Meter", "ResourceGroup", "ServiceName"])
    )
    assert too_many_groups.status_code == 400
    too_many_aggs = client.post(QUERY, params=CM_VERSION, headers=AUTH, json=body(["Meter"], aggregations=3))
    assert too_many_aggs.status_code == 400
    assert client.post(QUERY, headers=AUTH, json=body(["Meter"])).status_code == 400  # api-version


def test_cost_query_table_and_next_link(client_for: Callable[..., httpx.Client]) -> None:
    client = client_for(paging=Paging(azure_cost_rows=7))
    url, rows, columns = f"http://sim{QUERY}?api-version=2023-11-01", [], None
    while url:
        response = client.post(url, headers=AUTH, json=body(["Meter", "ResourceGroup"], aggregations=2))
        assert response.status_code == 200, response.text
        props = response.json()["properties"]
        columns = [c["name"] for c in props["columns"]]
        rows += props["rows"]
        url = props["nextLink"]
    assert columns == ["Cost", "UsageQuantity", "UsageDate", "Meter", "ResourceGroup", "Currency"]
    assert len(rows) > 7 and {r[2] for r in rows} == {20251001, 20251002, 20251003}
    assert any(r[3] == "Provisioned Managed Global Unit" for r in rows)
    whole = client.post(
        QUERY,
        params=CM_VERSION,
        headers=AUTH,
        json={**body([]), "dataset": {**body([])["dataset"], "granularity": "None"}},
    )
    (total_row,) = whole.json()["properties"]["rows"]
    assert abs(total_row[0] - sum(r[0] for r in rows)) < 1e-6


def test_cost_query_throttling_header(client: httpx.Client) -> None:
    client.post("/_sim/faults", json={"provider": "azure", "faults": ["429"]})
    throttled = client.post(QUERY, params=CM_VERSION, headers=AUTH, json=body(["Meter"]))
    assert throttled.status_code == 429
    assert throttled.headers["x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"] == "1"
    assert client.post(QUERY, params=CM_VERSION, headers=AUTH, json=body(["Meter"])).status_code == 200
