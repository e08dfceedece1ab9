"""Bedrock model invocation logs in CloudWatch Logs: ``FilterLogEvents`` (JSON 1.1, ``X-Amz-Target:
Logs_20140328.FilterLogEvents``) on the account's invocation log group, so an unmodified boto3 ``logs``
client works with ``endpoint_url``.

**Consistent with the rest of the simulator by construction.** Logging was switched on when the
applications were instrumented (``Traffic.start``). From then on every Bedrock call of the account,
the split of the usage data set every other API shows (``Traffic.provider_calls``), has one record
with the call's tokens, so a model-hour's records add up to its CloudWatch metrics. The platform's
calls carry the same ``requestId`` as the usage events it sends: calls the platform never recorded
have a record and no event, the other teams' calls (another IAM role) too; a few records never
arrived (``invocation_log_loss_rate``): their events have no record. Each day also holds two events
that are not usable records: a throttled invocation logged without token counts, and a line cut short.

Paging: at most ``Paging.aws_log_events`` events per page (the real API: 10,000 or 1 MB), ``nextToken``
until the range is read; a range longer than a day starts with an empty page and a token, as the real
API does while it keeps searching.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from provider_sim.catalog import AWS_ACCOUNT, INVOCATION_LOG_GROUP, OTHER_TEAMS_ROLE_ARN, PLATFORM_ROLE_ARN
from provider_sim.http import decode_token, encode_token
from provider_sim.stable import stable_digits, stable_seed
from provider_sim.timeutil import UTC, hours
from provider_sim.traffic import Call, Traffic

LOG_STREAM = "aws/bedrock/modelinvocations"
PROVIDER = "bedrock"
_UNIT = float(2**64)


class LogsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _rfc3339_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class InvocationLog:
    """The invocation log group of the simulated account, hour by hour (cached: each hour is drawn once)."""

    def __init__(self, traffic: Traffic) -> None:
        self.traffic = traffic
        config = traffic.dataset.config
        self._seed, self._org = config.seed, config.org
        self.loss_rate = traffic.plan.invocation_log_loss_rate
        self._hour = lru_cache(maxsize=2048)(self._draw_hour)

    def _fraction(self, *parts: object) -> float:
        return stable_seed(self._seed, self._org, "invocation-log", *parts) / _UNIT

    def lost(self, call: Call) -> bool:
        """Whether this call's record never reached the log group."""
        return self._fraction("lost", call.request_id) < self.loss_rate

    def events(self, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Log events with start_ms <= timestamp <= end_ms, in time order."""
        start = datetime.fromtimestamp(start_ms / 1000, tz=UTC) - timedelta(minutes=1)  # calls end after they start
        end = datetime.fromtimestamp(end_ms / 1000, tz=UTC)
        lo = max(start, self.traffic.start)
        hi = min(end + timedelta(hours=1), self.traffic.end)
        out = [e for hour in hours(lo, hi) for e in self._hour(hour) if start_ms <= e["timestamp"] <= end_ms]
        out.sort(key=lambda e: (e["timestamp"], e["eventId"]))
        return out

    def _draw_hour(self, hour: datetime) -> tuple[dict[str, Any], ...]:
        events = [
            self._event(call)
            for call in self.traffic.provider_calls(PROVIDER, hour, instrumented_only=False)
            if not self.lost(call)
        ]
        if hour.hour == 12:  # a throttled call logged without token counts, and a line cut short
            events += self._unusable(hour)
        return tuple(events)

    def _event(self, call: Call) -> dict[str, Any]:
        assert call.dims is not None and call.request_id is not None
        dims, usage = call.dims, call.usage
        finished = call.occurred_at + timedelta(milliseconds=call.latency_ms)
        model_id = dims.capacity_id if dims.traffic == "provisioned" else dims.model
        record: dict[str, Any] = {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": _rfc3339_ms(call.occurred_at),
            "accountId": AWS_ACCOUNT,
            "identity": {"arn": PLATFORM_ROLE_ARN if self.traffic.in_scope(PROVIDER, dims) else OTHER_TEAMS_ROLE_ARN},
            "region": dims.region,
            "requestId": call.request_id,
            "operation": "Converse",
            "modelId": model_id,
            "input": {"inputContentType": "application/json", "inputTokenCount": usage.uncached_input},
            "output": {"outputContentType": "application/json", "outputTokenCount": usage.output},
        }
        if usage.cached_input:
            record["input"]["cacheReadInputTokenCount"] = usage.cached_input
        if usage.cache_write_5m:
            record["input"]["cacheWriteInputTokenCount"] = usage.cache_write_5m
        if model_id.startswith("us."):  # a cross-region inference profile: served by another US region
            record["inferenceRegion"] = "us-east-2"
        return self._log_event(finished, json.dumps(record, separators=(",", ":")), call.request_id)

    def _unusable(self, hour: datetime) -> list[dict[str, Any]]:
        at = hour + timedelta(minutes=7, seconds=13)
        request_id = f"00000000-0000-4000-8000-{stable_digits(self._seed, self._org, 'throttled', hour)}"
        throttled = {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": _rfc3339_ms(at),
            "accountId": AWS_ACCOUNT,
            "identity": {"arn": OTHER_TEAMS_ROLE_ARN},
            "region": "us-east-1",
            "requestId": request_id,
            "operation": "InvokeModel",
            "modelId": "amazon.nova-pro-v1:0",
            "errorCode": "ThrottlingException",
            "input": {"inputContentType": "application/json"},
        }
        cut = json.dumps(throttled | {"requestId": request_id[:-1] + "f"}, separators=(",", ":"))[:90]
        return [
            self._log_event(at, json.dumps(throttled, separators=(",", ":")), request_id),
            self._log_event(at + timedelta(seconds=1), cut, request_id + "-cut"),
        ]

    def _log_event(self, at: datetime, message: str, key: str) -> dict[str, Any]:
        return {
            "logStreamName": LOG_STREAM,
            "timestamp": _ms(at),
            "message": message,
            "ingestionTime": _ms(at) + 1500,
            "eventId": stable_digits(self._seed, self._org, "event", key, length=56),
        }


def filter_log_events(log: InvocationLog, body: dict[str, Any], page_size: int) -> dict[str, Any]:
    """One page of ``FilterLogEvents`` over the invocation log group."""
    group = body.get("logGroupName") or body.get("logGroupIdentifier")
    if not group:
        raise LogsError(400, "InvalidParameterException", "logGroupName or logGroupIdentifier is required")
    if group != INVOCATION_LOG_GROUP:
        raise LogsError(400, "ResourceNotFoundException", "The specified log group does not exist.")
    start_ms, end_ms = int(body.get("startTime", 0)), int(body.get("endTime", 2**62))
    if end_ms < start_ms:
        raise LogsError(400, "InvalidParameterException", "endTime must not be before startTime")
    limit = int(body.get("limit", 10_000))
    if not 1 <= limit <= 10_000:
        raise LogsError(400, "InvalidParameterException", "limit must be between 1 and 10000")
    token = body.get("nextToken")
    try:
        offset = int(decode_token("logs_", token)) if token else -1 if end_ms - start_ms > 86_400_000 else 0
    except ValueError:
        raise LogsError(400, "InvalidParameterException", "The specified nextToken is invalid.") from None
    if offset < 0:  # still searching: an empty page with a token
        return {"events": [], "searchedLogStreams": [], "nextToken": encode_token("logs_", 0)}
    events = log.events(start_ms, end_ms)
    size = min(limit, page_size)
    page: dict[str, Any] = {"events": events[offset : offset + size], "searchedLogStreams": []}
    if offset + size < len(events):
        page["nextToken"] = encode_token("logs_", offset + size)
    return page
