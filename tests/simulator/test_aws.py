"""The AWS surfaces through real boto3 clients. CloudWatch is exercised in each protocol its service
model lists: botocore < 1.43 speaks query, >= 1.43 awsJson1_0 (the installed default), and the model
names smithy-rpc-v2-cbor first; botocore's own serializers and parsers produce and read each wire
format (the protocol is forced through a copy of the service model on botocore's data path)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import boto3
import botocore.exceptions
import botocore.session
import httpx
import pytest
from botocore.config import Config

from provider_sim import SimConfig

KEY, SECRET = "AKIASIMULATOR0000001", "sim-secret"
START, END = datetime(2025, 10, 1, tzinfo=UTC), datetime(2025, 10, 3, tzinfo=UTC)
PROTOCOLS = ("query", "json", "smithy-rpc-v2-cbor")
_MODEL_DIRS: dict[str, Path] = {}


@pytest.fixture(scope="module", autouse=True)
def cloudwatch_models(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One botocore data directory per protocol: the installed CloudWatch model, that protocol only."""
    model = botocore.session.get_session().get_component("data_loader").load_service_model("cloudwatch", "service-2")
    assert set(PROTOCOLS) <= set(model["metadata"]["protocols"]), "botocore too old for this test (dev needs >=1.43)"
    for protocol in PROTOCOLS:
        root = tmp_path_factory.mktemp(f"botocore-data-{protocol}")
        target = root / "cloudwatch" / model["metadata"]["apiVersion"] / "service-2.json"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps({**model, "metadata": {**model["metadata"], "protocols": [protocol]}}))
        _MODEL_DIRS[protocol] = root


def cloudwatch(base_url: str, key: str = KEY, region: str = "us-east-1", protocol: str | None = None):
    """A boto3 CloudWatch client; ``protocol`` forces one wire format, None keeps botocore's choice."""
    session = botocore.session.get_session()
    if protocol:
        session.set_config_variable("data_path", str(_MODEL_DIRS[protocol]))
    client = boto3.session.Session(botocore_session=session).client(
        "cloudwatch",
        endpoint_url=f"{base_url}/aws/cloudwatch",
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=SECRET,
        config=Config(retries={"total_max_attempts": 1}),  # each fault must surface, not be retried away
    )
    assert protocol in (None, client.meta.service_model.resolved_protocol)
    return client


def cost_explorer(base_url: str, key: str = KEY):
    return boto3.client(
        "ce",
        endpoint_url=f"{base_url}/aws/ce",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=SECRET,
    )


def queries(model_ids: list[str], period: int = 3600) -> list[dict]:
    return [
        {
            "Id": f"m{i}_{metric.lower()}",
            "ReturnData": True,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Bedrock",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "ModelId", "Value": model}],
                },
                "Period": period,
                "Stat": "Sum",
            },
        }
        for i, model in enumerate(model_ids)
        for metric in ("Invocations", "InputTokenCount", "CacheReadInputTokenCount")
    ]


@pytest.mark.parametrize("protocol", [None, *PROTOCOLS])
def test_cloudwatch_get_metric_data_pages(live_server: tuple[str, SimConfig], protocol: str | None) -> None:
    base_url, _ = live_server
    cw = cloudwatch(base_url, protocol=protocol)
    metrics = cw.list_metrics(Namespace="AWS/Bedrock", MetricName="InputTokenCount")["Metrics"]
    models = sorted({m["Dimensions"][0]["Value"] for m in metrics})
    assert len(models) >= 3
    pages = list(
        cw.get_paginator("get_metric_data").paginate(MetricDataQueries=queries(models), StartTime=START, EndTime=END)
    )
    assert len(pages) > 1  # the live server pages at 50 datapoints
    paged: dict[str, float] = {}
    for page in pages:
        for result in page["MetricDataResults"]:
            assert len(result["Timestamps"]) == len(result["Values"])
            paged[result["Id"]] = paged.get(result["Id"], 0) + sum(result["Values"])
    daily = cw.get_metric_data(MetricDataQueries=queries(models, period=86400), StartTime=START, EndTime=END)
    assert "NextToken" not in daily
    assert {r["Id"]: sum(r["Values"]) for r in daily["MetricDataResults"]} == paged
    assert sum(paged.values()) > 0
    first = pages[0]["MetricDataResults"][0]
    assert first["Timestamps"] == sorted(first["Timestamps"], reverse=True)  # TimestampDescending


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_cloudwatch_protocols_return_the_same_data(live_server: tuple[str, SimConfig], protocol: str) -> None:
    base_url, _ = live_server
    reference = cloudwatch(base_url, protocol="query")
    cw = cloudwatch(base_url, protocol=protocol)
    listed = cw.list_metrics(Namespace="AWS/Bedrock")["Metrics"]
    assert listed == reference.list_metrics(Namespace="AWS/Bedrock")["Metrics"] and listed
    models = sorted({m["Dimensions"][0]["Value"] for m in listed})
    request = {"MetricDataQueries": queries(models), "StartTime": START, "EndTime": END, "ScanBy": "TimestampAscending"}
    got, expected = cw.get_metric_data(**request), reference.get_metric_data(**request)
    assert got["MetricDataResults"] == expected["MetricDataResults"]
    assert got["NextToken"] == expected["NextToken"]
    first = got["MetricDataResults"][0]
    assert first["Timestamps"][0].tzinfo is not None and isinstance(first["Values"][0], float)
    hidden = cw.get_metric_data(**{**request, "MetricDataQueries": [{**queries(models)[0], "ReturnData": False}]})
    assert hidden["MetricDataResults"] == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_cloudwatch_auth_errors(live_server: tuple[str, SimConfig], protocol: str) -> None:
    base_url, _ = live_server
    with pytest.raises(botocore.exceptions.ClientError) as expired:
        cloudwatch(base_url, key="AKIASIMEXPIRED000001", protocol=protocol).list_metrics(Namespace="AWS/Bedrock")
    assert expired.value.response["Error"]["Code"] == "ExpiredTokenException"
    with pytest.raises(botocore.exceptions.ClientError) as unknown:
        cloudwatch(base_url, key="AKIAUNKNOWN000000000", protocol=protocol).list_metrics(Namespace="AWS/Bedrock")
    assert unknown.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert unknown.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_cloudwatch_faults_and_bad_requests_in_each_protocol(live_server: tuple[str, SimConfig], protocol: str) -> None:
    base_url, _ = live_server
    cw = cloudwatch(base_url, protocol=protocol)
    httpx.post(f"{base_url}/_sim/faults", json={"provider": "aws", "faults": ["429", "500"]}).raise_for_status()
    try:
        for code, status in (("Throttling", 429), ("InternalFailure", 500)):
            with pytest.raises(botocore.exceptions.ClientError) as fault:
                cw.list_metrics(Namespace="AWS/Bedrock")
            assert fault.value.response["Error"]["Code"] == code
            assert fault.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    finally:
        httpx.delete(f"{base_url}/_sim/faults")
    odd_period = queries(["amazon.nova-pro-v1:0"], period=90)
    with pytest.raises(botocore.exceptions.ClientError) as invalid:
        cw.get_metric_data(MetricDataQueries=odd_period, StartTime=START, EndTime=END)
    assert invalid.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_cost_explorer_pages_and_prices(live_server: tuple[str, SimConfig]) -> None:
    base_url, _ = live_server
    ce = cost_explorer(base_url)
    request = {
        "TimePeriod": {"Start": "2025-10-01", "End": "2025-10-03"},
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost", "UsageQuantity"],
        "Filter": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
        "GroupBy": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}, {"Type": "DIMENSION", "Key": "REGION"}],
    }
    grouped, token, pages = Decimal(0), None, 0
    usage_types: set[str] = set()
    while True:
        page = ce.get_cost_and_usage(**request, **({"NextPageToken": token} if token else {}))
        pages += 1
        for result in page["ResultsByTime"]:
            assert result["Total"] == {} and isinstance(result["Estimated"], bool)
            for group in result["Groups"]:
                amount = group["Metrics"]["UnblendedCost"]["Amount"]
                assert isinstance(amount, str) and group["Metrics"]["UnblendedCost"]["Unit"] == "USD"
                grouped += Decimal(amount)
                usage_types.add(group["Keys"][0])
        token = page.get("NextPageToken")
        if not token:
            break
    assert pages > 1
    assert any(u.endswith("-Claude3.5Sonnet-input-tokens") for u in usage_types)
    assert any(u.endswith("-cache-read-input-token-count") for u in usage_types)
    total = ce.get_cost_and_usage(TimePeriod=request["TimePeriod"], Granularity="MONTHLY", Metrics=["UnblendedCost"])
    (period,) = total["ResultsByTime"]
    assert abs(Decimal(period["Total"]["UnblendedCost"]["Amount"]) - grouped) < Decimal("0.000001")
    with pytest.raises(botocore.exceptions.ClientError) as too_many:
        ce.get_cost_and_usage(**{**request, "GroupBy": request["GroupBy"] * 2})
    assert too_many.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as expired:
        cost_explorer(base_url, key="AKIASIMEXPIRED000001").get_cost_and_usage(**request)
    assert expired.value.response["Error"]["Code"] == "ExpiredTokenException"
