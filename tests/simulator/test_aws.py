from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import boto3
import botocore.exceptions
import pytest

from provider_sim import SimConfig

KEY, SECRET = "AKIASIMULATOR0000001", "sim-secret"
START, END = datetime(2025, 10, 1, tzinfo=UTC), datetime(2025, 10, 3, tzinfo=UTC)


def cloudwatch(base_url: str, key: str = KEY, region: str = "us-east-1"):
    return boto3.client(
        "cloudwatch",
        endpoint_url=f"{base_url}/aws/cloudwatch",
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=SECRET,
    )


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


def test_cloudwatch_get_metric_data_pages(live_server: tuple[str, SimConfig]) -> None:
    base_url, _ = live_server
    cw = cloudwatch(base_url)
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


def test_cloudwatch_auth_errors(live_server: tuple[str, SimConfig]) -> None:
    base_url, _ = live_server
    with pytest.raises(botocore.exceptions.ClientError) as expired:
        cloudwatch(base_url, key="AKIASIMEXPIRED000001").list_metrics(Namespace="AWS/Bedrock")
    assert expired.value.response["Error"]["Code"] == "ExpiredTokenException"
    with pytest.raises(botocore.exceptions.ClientError) as unknown:
        cloudwatch(base_url, key="AKIAUNKNOWN000000000").list_metrics(Namespace="AWS/Bedrock")
    assert unknown.value.response["Error"]["Code"] == "InvalidClientTokenId"


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
