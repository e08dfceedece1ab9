"""Simulator: commitment and infrastructure surfaces (Azure retail prices + PTU utilization,
Bedrock provisioned throughput via unmodified boto3, Vertex GSU gauges, GPU endpoints and SKUs)."""

from __future__ import annotations

from datetime import timedelta

import boto3
import botocore.exceptions
import httpx
import pytest

from provider_sim import SimConfig
from provider_sim.commitments import commitments, gpu_deployments
from provider_sim.dataset import Dataset

ACCOUNT = (
    "/azure/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-genai"
    "/providers/Microsoft.CognitiveServices/accounts/aoai-sim-eastus"
)


def test_retail_prices_filter_and_next_page_link(client: httpx.Client) -> None:
    flt = "productName eq 'Azure OpenAI' and skuName eq 'Provisioned Managed Global'"
    items, url, params, pages = [], "/azure-prices/api/retail/prices", {"$filter": flt}, 0
    while url:
        page = client.get(url, params=params).json()
        items += page["Items"]
        url, params, pages = page["NextPageLink"], None, pages + 1
    assert pages == 2 and len(items) == 6  # hourly + monthly reservation in 3 regions, 3 items a page
    hourly = [i for i in items if i["unitOfMeasure"] == "1/Hour"]
    assert len(hourly) == 3 and {i["retailPrice"] for i in hourly} == {1.0}
    assert {i["type"] for i in hourly} == {"Consumption"} and all(i["meterName"].endswith("Unit") for i in hourly)
    assert {i["reservationTerm"] for i in items if i["type"] == "Reservation"} == {"1 Month"}
    assert client.get("/azure-prices/api/retail/prices", params={"$filter": "productName like 'x'"}).status_code == 400


def test_ptu_utilization_metric_and_created_at(client: httpx.Client, config: SimConfig) -> None:
    auth = {"Authorization": "Bearer sim-azure-token"}
    deps = client.get(f"{ACCOUNT}/deployments", params={"api-version": "2024-10-01"}, headers=auth).json()["value"]
    ptu = next(d for d in deps if d["sku"]["name"] == "GlobalProvisionedManaged")
    assert ptu["systemData"]["createdAt"] < "2025-10-01"
    body = client.get(
        f"{ACCOUNT}/providers/Microsoft.Insights/metrics",
        headers=auth,
        params={
            "api-version": "2023-10-01",
            "metricnames": "AzureOpenAIProvisionedManagedUtilizationV2",
            "timespan": "2025-10-02T00:00:00Z/2025-10-03T00:00:00Z",
            "interval": "PT1H",
            "aggregation": "Average",
            "$filter": "ModelDeploymentName eq '*'",
        },
    ).json()
    (series,) = body["value"][0]["timeseries"]
    assert series["metadatavalues"][0]["value"] == ptu["name"]
    values = [p["average"] for p in series["data"]]
    assert len(values) == 24 and all(0 <= v <= 100 for v in values)
    assert max(values) == 100 and min(values) < 100  # busy hours are capped (spillover), quiet ones are not


def test_bedrock_provisioned_throughput_with_unmodified_boto3(live_server: tuple[str, SimConfig]) -> None:
    base_url, config = live_server
    bedrock = boto3.client(
        "bedrock",
        endpoint_url=f"{base_url}/aws/bedrock",
        region_name="us-east-1",
        aws_access_key_id="AKIASIMULATOR0000001",
        aws_secret_access_key="x",
    )
    pages = list(bedrock.get_paginator("list_provisioned_model_throughputs").paginate())
    summaries = [s for p in pages for s in p["provisionedModelSummaries"]]
    assert len(pages) == 2 and len(summaries) == 2  # one per page (Paging.aws_bedrock_models)
    expected = {c.commitment_id: c for c in commitments(Dataset(config), "bedrock")}
    for s in summaries:
        c = expected[s["provisionedModelArn"]]
        assert s["modelUnits"] == c.units and s["commitmentDuration"] == "OneMonth" and s["status"] == "InService"
        assert s["creationTime"] == c.start and s["commitmentExpirationTime"] == c.end
        assert s["foundationModelArn"].endswith(f"foundation-model/{c.model}")
    one = bedrock.get_provisioned_model_throughput(provisionedModelId=summaries[0]["provisionedModelArn"])
    assert one["provisionedModelName"] == summaries[0]["provisionedModelName"]
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        bedrock.get_provisioned_model_throughput(provisionedModelId="nope")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    expired = boto3.client(
        "bedrock",
        endpoint_url=f"{base_url}/aws/bedrock",
        region_name="us-east-1",
        aws_access_key_id="AKIASIMEXPIRED000001",
        aws_secret_access_key="x",
    )
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        expired.list_provisioned_model_throughputs()
    assert denied.value.response["Error"]["Code"] == "ExpiredTokenException"


def test_vertex_gsu_gauges_and_replicas(client: httpx.Client, config: SimConfig) -> None:
    (gsu,) = commitments(Dataset(config), "vertex")
    series_url = f"/gcp/monitoring/v3/projects/{gsu.project}/timeSeries"
    day = {
        "interval.startTime": "2025-10-05T00:00:00Z",
        "interval.endTime": "2025-10-06T00:00:00Z",
        "aggregation.alignmentPeriod": "3600s",
    }
    limit = client.get(
        series_url,
        params={
            **day,
            "aggregation.perSeriesAligner": "ALIGN_MEAN",
            "filter": 'metric.type = "aiplatform.googleapis.com/publisher/online_serving/dedicated_gsu_limit"',
        },
    ).json()
    (series,) = limit["timeSeries"]
    assert series["metricKind"] == "GAUGE" and {p["value"]["doubleValue"] for p in series["points"]} == {2.0}
    assert (
        client.get(
            series_url,
            params={
                **day,
                "aggregation.perSeriesAligner": "ALIGN_SUM",
                "filter": 'metric.type = "aiplatform.googleapis.com/publisher/online_serving/dedicated_gsu_limit"',
            },
        ).status_code
        == 400
    )
    before = client.get(
        series_url,
        params={
            **day,
            "interval.startTime": "2025-10-01T00:00:00Z",
            "interval.endTime": "2025-10-02T00:00:00Z",
            "aggregation.perSeriesAligner": "ALIGN_MEAN",
            "filter": 'metric.type = "aiplatform.googleapis.com/publisher/online_serving/dedicated_gsu_limit"',
        },
    )
    assert before.json() == {}  # the order starts on the 4th
    replicas = client.get(
        series_url,
        params={
            **day,
            "aggregation.perSeriesAligner": "ALIGN_MEAN",
            "pageSize": 50,
            "filter": 'metric.type = "aiplatform.googleapis.com/prediction/online/replicas"',
        },
    ).json()
    assert {s["metric"]["labels"]["deployed_model_id"] for s in replicas["timeSeries"]} == {
        d.deployed_model_id for d in gpu_deployments(config)
    }


def test_vertex_endpoint_machine_spec(client: httpx.Client, config: SimConfig) -> None:
    d = gpu_deployments(config)[0]
    body = client.get(
        f"/gcp/aiplatform/v1/projects/{d.project}/locations/{d.location}/endpoints/{d.endpoint_id}"
    ).json()
    spec = {m["id"]: m["dedicatedResources"]["machineSpec"] for m in body["deployedModels"]}
    assert spec[d.deployed_model_id] == {
        "machineType": d.machine_type,
        "acceleratorType": d.accelerator_type,
        "acceleratorCount": d.accelerator_count,
    }
    assert client.get(f"/gcp/aiplatform/v1/projects/{d.project}/locations/{d.location}/endpoints/1").status_code == 404


def test_provisioned_tokens_never_exceed_capacity_and_spill_is_payg(config: SimConfig) -> None:
    ds = Dataset(config)
    hour = config.window_start
    spilled = 0
    while hour < config.window_end:
        for c in ds.commitments:
            rows = ds.hour_rows(c.provider, hour)
            served = sum(r.usage.tokens for r in rows if r.dims.capacity_id == c.commitment_id)
            assert served <= c.capacity(hour, hour + timedelta(hours=1))
            spill = [r for r in rows if r.dims.traffic == "spillover" and r.dims.model == c.model]
            if spill:
                spilled += 1
                assert served == c.capacity(hour, hour + timedelta(hours=1))  # spill only once full
        hour += timedelta(hours=1)
    assert spilled > 10
