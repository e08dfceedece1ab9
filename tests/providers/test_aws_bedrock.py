"""Bedrock contract tests with botocore's Stubber (real boto3 clients, no network)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from botocore.stub import ANY, Stubber

from genai_costs.errors import ProviderAuthError, ProviderRateLimitError, ProviderResponseError
from genai_costs.model.window import Window
from genai_costs.providers.registry import build_client

from .helpers import AWS_SECRET, load

DAY = Window(start=date(2025, 8, 1), end=date(2025, 8, 2))
SECRET = "genai-acme-aws_bedrock"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
CREDS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": AWS_SECRET, "region": "us-east-1"}


def metric_page(next_token=None):
    body = load("aws_cloudwatch_get_metric_data.json")
    for res in body["MetricDataResults"]:
        res["Timestamps"] = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in res["Timestamps"]]
    if next_token:
        body["NextToken"] = next_token
    return body


def make(sleeps, **options):
    return build_client(
        "aws_bedrock", CREDS, secret_name=SECRET, sleep=sleeps, options={"model_ids": [MODEL], **options}
    )


def expected_metric_params(token=None):
    params = {
        "MetricDataQueries": ANY,
        "StartTime": datetime(2025, 8, 1, tzinfo=UTC),
        "EndTime": datetime(2025, 8, 2, tzinfo=UTC),
        "ScanBy": "TimestampAscending",
    }
    if token:
        params["NextToken"] = token
    return params


def test_botocore_retries_disabled_in_favour_of_ours(sleeps):
    c = make(sleeps)
    assert c.cloudwatch.meta.config.retries["total_max_attempts"] == 1
    assert c.ce.meta.config.retries["total_max_attempts"] == 1


def test_cloudwatch_metrics_merge_into_hourly_records(sleeps):
    c = make(sleeps)
    with Stubber(c.cloudwatch) as stub:
        stub.add_response("get_metric_data", metric_page(), expected_metric_params())
        records = list(c.iter_usage(DAY))
        stub.assert_no_pending_responses()
    r0, r1 = records
    assert r0.bucket_start == datetime(2025, 8, 1, 0, tzinfo=UTC) and r0.bucket_width == "1h"
    assert (r0.input_uncached_tokens, r0.input_cached_tokens, r0.cache_write_5m_tokens, r0.output_tokens) == (
        1200,
        400,
        50,
        300,
    )
    assert r0.provider_total_tokens == 1950 and r0.invariant_violation() is None and r0.requests == 7
    assert (r0.model, r0.region, r0.source, r0.api_key_id, r0.is_batch) == (
        MODEL,
        "us-east-1",
        "aws.cloudwatch",
        None,
        None,
    )
    assert (r1.input_uncached_tokens, r1.output_tokens, r1.input_cached_tokens, r1.requests) == (800, 100, 0, 3)


def test_metric_queries_shape(sleeps):
    c = make(sleeps)
    captured = {}
    with Stubber(c.cloudwatch) as stub:
        stub.add_response("get_metric_data", metric_page(), expected_metric_params())
        orig = c.cloudwatch.get_metric_data

        def spy(**kw):
            captured.update(kw)
            return orig(**kw)

        c._cloudwatch.get_metric_data = spy
        list(c.iter_usage(DAY))
    names = {q["MetricStat"]["Metric"]["MetricName"] for q in captured["MetricDataQueries"]}
    assert names == {
        "InputTokenCount",
        "OutputTokenCount",
        "CacheReadInputTokenCount",
        "CacheWriteInputTokenCount",
        "Invocations",
    }
    q = captured["MetricDataQueries"][0]["MetricStat"]
    assert q["Period"] == 3600 and q["Stat"] == "Sum" and q["Metric"]["Namespace"] == "AWS/Bedrock"
    assert q["Metric"]["Dimensions"] == [{"Name": "ModelId", "Value": MODEL}]


def test_input_includes_cache_option(sleeps):
    c = make(sleeps, input_includes_cache=True, cache_write_ttl="1h")
    with Stubber(c.cloudwatch) as stub:
        stub.add_response("get_metric_data", metric_page(), expected_metric_params())
        r0 = next(iter(c.iter_usage(DAY)))
    assert (r0.input_uncached_tokens, r0.cache_write_1h_tokens, r0.provider_total_tokens) == (750, 50, 1500)
    assert r0.invariant_violation() is None


def test_pagination_three_pages_and_loop_guard(sleeps):
    c = make(sleeps)
    empty = {"MetricDataResults": [], "Messages": []}
    with Stubber(c.cloudwatch) as stub:
        stub.add_response("get_metric_data", {**empty, "NextToken": "t1"}, expected_metric_params())
        stub.add_response("get_metric_data", {**empty, "NextToken": "t2"}, expected_metric_params("t1"))
        stub.add_response("get_metric_data", metric_page(), expected_metric_params("t2"))
        assert len(list(c.iter_usage(DAY))) == 2
        stub.assert_no_pending_responses()

    c = make(sleeps)
    with Stubber(c.cloudwatch) as stub:
        stub.add_response("get_metric_data", {**empty, "NextToken": "t1"}, expected_metric_params())
        stub.add_response("get_metric_data", {**empty, "NextToken": "t1"}, expected_metric_params("t1"))
        with pytest.raises(ProviderResponseError, match="cursor repeated"):
            list(c.iter_usage(DAY))


def test_model_discovery_via_list_metrics(sleeps):
    c = build_client("aws_bedrock", CREDS, secret_name=SECRET, sleep=sleeps)
    with Stubber(c.cloudwatch) as stub:
        stub.add_response(
            "list_metrics",
            {
                "Metrics": [
                    {
                        "Namespace": "AWS/Bedrock",
                        "MetricName": "InputTokenCount",
                        "Dimensions": [{"Name": "ModelId", "Value": MODEL}],
                    },
                    {"Namespace": "AWS/Bedrock", "MetricName": "InputTokenCount", "Dimensions": []},
                ],
                "NextToken": "n1",
            },
            {"Namespace": "AWS/Bedrock", "MetricName": "InputTokenCount"},
        )
        stub.add_response(
            "list_metrics",
            {
                "Metrics": [
                    {
                        "Namespace": "AWS/Bedrock",
                        "MetricName": "InputTokenCount",
                        "Dimensions": [{"Name": "ModelId", "Value": "amazon.nova-lite-v1:0"}],
                    }
                ]
            },
            {"Namespace": "AWS/Bedrock", "MetricName": "InputTokenCount", "NextToken": "n1"},
        )
        assert c.model_ids() == ["amazon.nova-lite-v1:0", MODEL]


def test_throttling_retried_then_auth_error(sleeps):
    c = make(sleeps)
    with Stubber(c.cloudwatch) as stub:
        stub.add_client_error("get_metric_data", "Throttling", "Rate exceeded", 400)
        stub.add_client_error("get_metric_data", "InternalFailure", "oops", 500)
        stub.add_response("get_metric_data", metric_page(), expected_metric_params())
        assert len(list(c.iter_usage(DAY))) == 2
    assert len(sleeps) == 2

    c = make(sleeps)
    with Stubber(c.cloudwatch) as stub:
        for _ in range(5):
            stub.add_client_error("get_metric_data", "ThrottlingException", "Rate exceeded", 400)
        with pytest.raises(ProviderRateLimitError):
            list(c.iter_usage(DAY))

    c = make(sleeps)
    with Stubber(c.ce) as stub:
        stub.add_client_error(
            "get_cost_and_usage",
            "UnrecognizedClientException",
            f"The security token included in the request is invalid {AWS_SECRET}",
            403,
        )
        with pytest.raises(ProviderAuthError) as info:
            list(c.iter_costs(DAY))
    assert SECRET in str(info.value) and AWS_SECRET not in str(info.value)


def test_cost_explorer(sleeps):
    c = make(sleeps)
    expected = {
        "TimePeriod": {"Start": "2025-08-01", "End": "2025-08-02"},
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
        "Filter": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
        "GroupBy": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    }
    page1 = {"ResultsByTime": [], "NextPageToken": "ce1"}
    with Stubber(c.ce) as stub:
        stub.add_response("get_cost_and_usage", page1, expected)
        stub.add_response(
            "get_cost_and_usage", load("aws_ce_get_cost_and_usage.json"), {**expected, "NextPageToken": "ce1"}
        )
        rows = list(c.iter_costs(DAY))
        stub.assert_no_pending_responses()
    assert [r.token_type for r in rows] == ["input", "output", "cache_read"]
    assert rows[0].amount == Decimal("0.0123456789") and rows[0].currency == "USD" and rows[0].is_estimated is True
    assert rows[0].line_item == "USE1-Claude3Haiku-input-tokens" and rows[0].usage_date == date(2025, 8, 1)
