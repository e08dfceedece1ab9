"""The simulated Bedrock model invocation log group: FilterLogEvents through a real boto3 ``logs`` client,
and records consistent with the simulated Bedrock usage and with the applications' usage events."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from provider_sim.catalog import INVOCATION_LOG_GROUP, PLATFORM_ROLE_ARN
from provider_sim.state import SimState
from provider_sim.traffic import event_body

from .conftest import make_config

KEY, SECRET = "AKIASIMULATOR0000001", "sim-secret"
DAY = datetime(2025, 10, 8, tzinfo=UTC)  # inside the traffic window (the last 7 days before Oct 11)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def logs(base_url: str, key: str = KEY):
    return boto3.client(
        "logs",
        endpoint_url=f"{base_url}/aws/logs",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=SECRET,
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_filter_log_events_pages_through_a_day_with_boto3(live_server) -> None:
    base_url, config = live_server
    client = logs(base_url)
    pages, events, token = 0, [], None
    while True:
        kw = {"logGroupName": INVOCATION_LOG_GROUP, "startTime": ms(DAY), "endTime": ms(DAY + timedelta(days=1)) - 1}
        page = client.filter_log_events(**kw, **({"nextToken": token} if token else {}))
        pages += 1
        assert len(page["events"]) <= config.paging.aws_log_events
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    assert pages > 1 and len(events) > config.paging.aws_log_events
    assert all(ms(DAY) <= e["timestamp"] < ms(DAY + timedelta(days=1)) for e in events)
    assert len({e["eventId"] for e in events}) == len(events)
    records = []
    for e in events:
        try:
            records.append(json.loads(e["message"]))
        except ValueError:
            continue  # the line cut short
    assert len(records) == len(events) - 1
    usable = [r for r in records if "output" in r]
    assert len(usable) == len(records) - 1  # the throttled call logged without token counts
    r = usable[0]
    assert r["schemaType"] == "ModelInvocationLog" and r["accountId"] and r["requestId"] and r["identity"]["arn"]
    assert isinstance(r["input"]["inputTokenCount"], int) and isinstance(r["output"]["outputTokenCount"], int)


def test_a_range_longer_than_a_day_starts_with_an_empty_page_and_a_token(live_server) -> None:
    base_url, _ = live_server
    page = logs(base_url).filter_log_events(
        logGroupName=INVOCATION_LOG_GROUP, startTime=ms(DAY), endTime=ms(DAY + timedelta(days=2))
    )
    assert page["events"] == [] and page["nextToken"]


def test_unknown_group_and_unknown_key_are_refused(live_server) -> None:
    base_url, _ = live_server
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        logs(base_url).filter_log_events(logGroupName="/nope", startTime=ms(DAY), endTime=ms(DAY) + 1000)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        logs(base_url, key="AKIAWRONG0000000000X").filter_log_events(
            logGroupName=INVOCATION_LOG_GROUP, startTime=ms(DAY), endTime=ms(DAY) + 1000
        )
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.fixture(scope="module")
def state() -> SimState:
    return SimState(make_config())


def _records(state: SimState, start: datetime, end: datetime) -> list[dict]:
    out = []
    for e in state.invocation_log.events(ms(start), ms(end) - 1):
        try:
            record = json.loads(e["message"])
        except ValueError:
            continue
        if "output" in record:
            out.append(record)
    return out


def test_a_model_hour_of_records_adds_up_to_the_simulated_usage(state: SimState) -> None:
    """Every call of the account is logged (but the few lost): per model and hour the records' tokens are the
    usage data set's, which CloudWatch metrics and Cost Explorer also serve."""
    hour = DAY + timedelta(hours=14)
    logged: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in _records(state, hour - timedelta(minutes=1), hour + timedelta(hours=1, minutes=2)):
        at = datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00"))
        if hour <= at < hour + timedelta(hours=1):
            key = f"{r['modelId']}|{r['region']}"
            logged[key][0] += r["input"]["inputTokenCount"]
            logged[key][1] += r["output"]["outputTokenCount"]
            logged[key][2] += 1
    lost = {c.request_id for c in state.traffic.provider_calls("bedrock", hour, instrumented_only=False)}
    lost = {rid for rid in lost if state.invocation_log._fraction("lost", rid) < state.invocation_log.loss_rate}
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for call in state.traffic.provider_calls("bedrock", hour, instrumented_only=False):
        if call.request_id in lost:
            continue
        model = call.dims.capacity_id if call.dims.traffic == "provisioned" else call.dims.model
        expected[f"{model}|{call.dims.region}"][0] += call.usage.uncached_input
        expected[f"{model}|{call.dims.region}"][1] += call.usage.output
    assert {k: v[:2] for k, v in logged.items()} == dict(expected)
    # Without the lost records the calls are exactly the hour's usage rows.
    total_in = sum(r.usage.uncached_input for r in state.dataset.hour_rows("bedrock", hour))
    lost_in = sum(
        c.usage.uncached_input
        for c in state.traffic.provider_calls("bedrock", hour, instrumented_only=False)
        if c.request_id in lost
    )
    assert sum(v[0] for v in logged.values()) + lost_in == total_in


def test_request_ids_tie_events_to_records_with_gaps_on_both_sides(state: SimState) -> None:
    start, end = DAY, DAY + timedelta(days=1)
    records = {r["requestId"]: r for r in _records(state, start, end + timedelta(minutes=2))}
    calls = [
        c
        for c in state.traffic.all_calls
        if c.provider == "aws_bedrock" and start <= c.occurred_at < end - timedelta(minutes=5)
    ]
    assert calls and all(c.request_id for c in calls)
    events = {c.request_id: event_body(c) for c in calls if c.recorded}
    assert all(e["request_id"] == rid and e["provider"] == "aws_bedrock" for rid, e in events.items())
    with_record = [rid for rid in events if rid in records]
    without_record = [rid for rid in events if rid not in records]
    assert with_record and without_record  # some records were lost
    assert len(without_record) < 0.05 * len(events)
    for rid in with_record:  # the event and the record carry the same tokens and the platform's role
        e, r = events[rid], records[rid]
        assert (e["input_uncached_tokens"], e["output_tokens"]) == (
            r["input"]["inputTokenCount"],
            r["output"]["outputTokenCount"],
        )
        assert r["identity"]["arn"] == PLATFORM_ROLE_ARN
    unrecorded = [c.request_id for c in calls if not c.recorded and c.request_id in records]
    others = [rid for rid, r in records.items() if r["identity"]["arn"] != PLATFORM_ROLE_ARN]
    assert unrecorded and others  # calls with a record and no event: never recorded, or another team's
    assert not set(others) & set(events)
