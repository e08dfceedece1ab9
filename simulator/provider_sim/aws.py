"""AWS: CloudWatch GetMetricData/ListMetrics for AWS/Bedrock, Cost Explorer GetCostAndUsage and
CloudWatch Logs FilterLogEvents on the model invocation log group (JSON 1.1; provider_sim.invocation_logs),
so unmodified boto3 clients work with endpoint_url.

CloudWatch speaks the three protocols its service model lists, because boto3 picks by version:
botocore < 1.43 sends the query protocol (form body, XML reply), botocore >= 1.43 awsJson1_0
(``X-Amz-Target: GraniteServiceVersion20100801.<Operation>``), and the model names
smithy-rpc-v2-cbor (``POST /service/GraniteServiceVersion20100801/operation/<Operation>``) first.
Each request is answered, errors included, in the protocol it arrived in."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import cbor2
from flask import Blueprint, Response, request

from provider_sim.catalog import AWS_ACCOUNT
from provider_sim.commitments import Commitment, commitments
from provider_sim.dataset_types import Dims, Usage
from provider_sim.http import decode_token, encode_token, json_response
from provider_sim.invocation_logs import LogsError, filter_log_events
from provider_sim.prices import line_costs
from provider_sim.state import ErrorShapes, SimState
from provider_sim.timeutil import UTC, floor_to, fmt_rfc3339, parse_rfc3339

PROVIDER = "bedrock"
CW_NS = "http://monitoring.amazonaws.com/doc/2010-08-01/"
CW_TARGET_PREFIX = "GraniteServiceVersion20100801"
QUERY, JSON_1_0, RPC_V2_CBOR = "query", "json", "smithy-rpc-v2-cbor"
# JSON / CBOR error ``__type`` per query error code: the modeled shape, or the service framework's own
# exception for auth, throttling and internal errors. Clients read the query code from the header.
CW_ERROR_TYPES = {
    "InvalidParameterValue": "com.amazonaws.cloudwatch#InvalidParameterValueException",
    "MissingParameter": "com.amazonaws.cloudwatch#MissingRequiredParameterException",
    "ValidationError": "com.amazonaws.cloudwatch#ValidationException",
    "InvalidNextToken": "com.amazonaws.cloudwatch#InvalidNextToken",
    "InvalidClientTokenId": "com.amazon.coral.service#UnrecognizedClientException",
    "ExpiredTokenException": "com.amazon.coral.service#ExpiredTokenException",
    "Throttling": "com.amazon.coral.availability#ThrottlingException",
    "InternalFailure": "com.amazon.coral.service#InternalFailure",
}
METRICS: dict[str, Callable[[Usage], int]] = {
    "Invocations": lambda u: u.requests,
    "InputTokenCount": lambda u: u.uncached_input,  # Bedrock reports cache reads/writes apart
    "OutputTokenCount": lambda u: u.output,
    "CacheReadInputTokenCount": lambda u: u.cached_input,
    "CacheWriteInputTokenCount": lambda u: u.cache_write_5m,
}
USAGE_TYPE_STEMS = {
    "anthropic.claude-3-5-sonnet-20240620-v1:0": "Claude3.5Sonnet",
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0": "Claude3.7Sonnet",
    "anthropic.claude-3-5-haiku-20241022-v1:0": "Claude3.5Haiku",
    "amazon.nova-pro-v1:0": "NovaPro",
    "amazon.nova-lite-v1:0": "NovaLite",
    "meta.llama3-1-70b-instruct-v1:0": "Llama3.1-70B",
    "us.amazon.nova-premier-preview-v1:0": "NovaPremierPreview",
}
USAGE_TYPE_SUFFIXES = {
    "uncached_input": "input-tokens",
    "output": "output-tokens",
    "cached_input": "cache-read-input-token-count",
    "cache_write_5m": "cache-write-input-token-count",
}
REGION_CODES = {"us-east-1": "USE1", "us-west-2": "USW2"}
CE_DIMENSIONS = ("SERVICE", "USAGE_TYPE", "REGION", "LINKED_ACCOUNT", "OPERATION", "RECORD_TYPE")
CE_METRICS = (
    "AmortizedCost",
    "BlendedCost",
    "NetAmortizedCost",
    "NetUnblendedCost",
    "UnblendedCost",
    "UsageQuantity",
    "NormalizedUsageAmount",
)
AMOUNT_QUANTUM = Decimal("0.0000000001")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/")


class AwsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def cloudwatch_protocol() -> str:
    """The protocol of the current CloudWatch request, from what the client sent."""
    if request.headers.get("smithy-protocol") == "rpc-v2-cbor" or "/operation/" in request.path:
        return RPC_V2_CBOR
    if request.headers.get("X-Amz-Target", "").startswith(f"{CW_TARGET_PREFIX}."):
        return JSON_1_0
    return QUERY


class CloudWatchErrors(ErrorShapes):
    """CloudWatch errors in the request's protocol: an XML ErrorResponse (query), or a JSON or CBOR
    ``__type`` body whose ``x-amzn-query-error`` header carries the query code (CloudWatch is
    awsQueryCompatible), so a client sees the same error code whichever protocol it speaks."""

    def render(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        fault = "Sender" if status < 500 else "Receiver"
        protocol = cloudwatch_protocol()
        if protocol == QUERY:
            body = (
                f'<ErrorResponse xmlns="{CW_NS}"><Error><Type>{fault}</Type><Code>{escape(code)}</Code>'
                f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
                "</ErrorResponse>"
            )
            return Response(body, status=status, headers=headers, mimetype="text/xml")
        error = {"__type": CW_ERROR_TYPES.get(code, f"com.amazonaws.cloudwatch#{code}"), "message": message}
        return _cloudwatch_reply(
            protocol, "", error, status, {**(headers or {}), "x-amzn-query-error": f"{code};{fault}"}
        )

    def auth(self, expired: bool) -> Response:
        if expired:
            return self.render(403, "ExpiredTokenException", "The security token included in the request is expired")
        return self.render(403, "InvalidClientTokenId", "The security token included in the request is invalid.")

    def throttled(self) -> Response:
        return self.render(429, "Throttling", "Rate exceeded", {"Retry-After": "1"})

    def server_error(self) -> Response:
        return self.render(500, "InternalFailure", "The request processing has failed because of an unknown error.")


class JsonErrors(ErrorShapes):
    """Cost Explorer (awsJson1_1): {"__type": ..., "message": ...}."""

    def render(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return json_response(
            {"__type": code, "message": message}, status, {**(headers or {}), "x-amzn-RequestId": str(uuid.uuid4())}
        )

    def auth(self, expired: bool) -> Response:
        if expired:
            return self.render(403, "ExpiredTokenException", "The security token included in the request is expired")
        return self.render(403, "UnrecognizedClientException", "The security token included in the request is invalid.")

    def throttled(self) -> Response:
        return self.render(429, "ThrottlingException", "Rate exceeded", {"Retry-After": "1"})

    def server_error(self) -> Response:
        return self.render(500, "InternalFailure", "The request processing has failed because of an unknown error.")


class RestJsonErrors(JsonErrors):
    """Bedrock control plane (restJson1): error code in x-amzn-ErrorType and __type."""

    def render(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return super().render(status, code, message, {**(headers or {}), "x-amzn-ErrorType": code})

    def auth(self, expired: bool) -> Response:
        if expired:
            return self.render(403, "ExpiredTokenException", "The security token included in the request is expired")
        return self.render(403, "UnrecognizedClientException", "The security token included in the request is invalid.")


CLOUDWATCH_ERRORS = CloudWatchErrors()
CE_ERRORS = JsonErrors()
BEDROCK_ERRORS = RestJsonErrors()


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("aws", __name__, url_prefix="/aws")
    creds = state.config.credentials

    def authenticate(errors: CloudWatchErrors | JsonErrors) -> tuple[str | None, Response | None]:
        """SigV4 presence and access-key check (the signature itself is not verified)."""
        match = _CREDENTIAL.search(request.headers.get("Authorization", ""))
        if not match:
            return None, errors.render(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        key_id, region = match.groups()
        if key_id == creds.aws_access_key_id:
            return region, None
        return None, errors.auth(expired=key_id == creds.aws_expired_access_key_id)

    @bp.post("/cloudwatch")
    @bp.post("/cloudwatch/")
    @bp.post("/cloudwatch/service/<service>/operation/<operation>")
    def cloudwatch(service: str = CW_TARGET_PREFIX, operation: str | None = None) -> Response:
        region, denied = authenticate(CLOUDWATCH_ERRORS)
        if denied:
            return denied
        protocol = cloudwatch_protocol()
        try:
            operation, params = _cloudwatch_request(protocol, service, operation)
            if operation == "GetMetricData":
                body = _get_metric_data(state, region or "us-east-1", params)
            elif operation == "ListMetrics":
                body = _list_metrics(state, region or "us-east-1", params)
            else:
                raise AwsError(400, "InvalidAction", f"Action {operation} is not supported")
        except AwsError as exc:
            return CLOUDWATCH_ERRORS.render(exc.status, exc.code, str(exc))
        return _cloudwatch_reply(protocol, operation, body)

    @bp.post("/ce")
    @bp.post("/ce/")
    def cost_explorer() -> Response:
        _, denied = authenticate(CE_ERRORS)
        if denied:
            return denied
        target = request.headers.get("X-Amz-Target", "")
        try:
            if target != "AWSInsightsIndexService.GetCostAndUsage":
                raise AwsError(400, "UnknownOperationException", f"Unsupported target {target}")
            return json_response(_get_cost_and_usage(state, request.get_json(force=True)))
        except AwsError as exc:
            return CE_ERRORS.render(exc.status, exc.code, str(exc))

    @bp.post("/logs")
    @bp.post("/logs/")
    def cloudwatch_logs() -> Response:
        _, denied = authenticate(CE_ERRORS)
        if denied:
            return denied
        target = request.headers.get("X-Amz-Target", "")
        try:
            if target != "Logs_20140328.FilterLogEvents":
                raise AwsError(400, "UnknownOperationException", f"Unsupported target {target}")
            body = filter_log_events(
                state.invocation_log, request.get_json(force=True), state.config.paging.aws_log_events
            )
            return json_response(body)
        except (LogsError, AwsError) as exc:
            return CE_ERRORS.render(exc.status, exc.code, str(exc))

    @bp.get("/bedrock/provisioned-model-throughputs")
    def list_provisioned() -> Response:
        region, denied = authenticate(BEDROCK_ERRORS)
        if denied:
            return denied
        try:
            return json_response(_list_provisioned(state, region or "us-east-1", request.args))
        except AwsError as exc:
            return BEDROCK_ERRORS.render(exc.status, exc.code, str(exc))

    @bp.get("/bedrock/provisioned-model-throughput/<path:provisioned_id>")
    def get_provisioned(provisioned_id: str) -> Response:
        region, denied = authenticate(BEDROCK_ERRORS)
        if denied:
            return denied
        for c in _provisioned(state, region or "us-east-1"):
            if provisioned_id in (c.commitment_id, c.name):
                return json_response(_pt_summary(c))
        return BEDROCK_ERRORS.render(
            404, "ResourceNotFoundException", f"Provisioned model {provisioned_id} was not found"
        )

    return bp


# ---------------------------------------------------------------- Bedrock provisioned throughput


def _provisioned(state: SimState, region: str) -> list[Commitment]:
    """Provisioned throughputs of the region that exist at `now` (bought before it)."""
    now = state.config.effective_now
    return [c for c in commitments(state.dataset, PROVIDER) if c.region == region and c.start < now]


def _pt_summary(c: Commitment) -> dict[str, Any]:
    model_arn = f"arn:aws:bedrock:{c.region}::foundation-model/{c.model}"
    summary: dict[str, Any] = {
        "provisionedModelName": c.name,
        "provisionedModelArn": c.commitment_id,
        "modelArn": model_arn,
        "desiredModelArn": model_arn,
        "foundationModelArn": model_arn,
        "modelUnits": c.units,
        "desiredModelUnits": c.units,
        "status": "InService",
        "creationTime": fmt_rfc3339(c.start),
        "lastModifiedTime": fmt_rfc3339(c.start),
    }
    if c.term:
        summary["commitmentDuration"] = c.term
        summary["commitmentExpirationTime"] = fmt_rfc3339(c.end) if c.end else None
    return summary


def _list_provisioned(state: SimState, region: str, args: Any) -> dict[str, Any]:
    items = sorted(
        _provisioned(state, region), key=lambda c: c.start, reverse=args.get("sortOrder", "Descending") == "Descending"
    )
    if args.get("statusEquals") and args["statusEquals"] != "InService":
        items = []
    if args.get("nameContains"):
        items = [c for c in items if args["nameContains"] in c.name]
    if args.get("modelArnEquals"):
        items = [c for c in items if _pt_summary(c)["modelArn"] == args["modelArnEquals"]]
    for key, keep in (
        ("creationTimeAfter", lambda c, t: c.start > t),
        ("creationTimeBefore", lambda c, t: c.start < t),
    ):
        if args.get(key):
            moment = parse_rfc3339(args[key])
            items = [c for c in items if keep(c, moment)]
    max_results = int(args.get("maxResults", "1000"))
    if not 1 <= max_results <= 1000:
        raise AwsError(400, "ValidationException", "maxResults must be between 1 and 1000")
    offset = int(decode_token("pt_", args["nextToken"])) if args.get("nextToken") else 0
    size = min(max_results, state.config.paging.aws_bedrock_models)
    body: dict[str, Any] = {"provisionedModelSummaries": [_pt_summary(c) for c in items[offset : offset + size]]}
    if offset + size < len(items):
        body["nextToken"] = encode_token("pt_", offset + size)
    return body


def model_id(dims: Dims) -> str:
    """CloudWatch ModelId of a row: the provisioned model ARN for provisioned traffic."""
    return dims.capacity_id if dims.traffic == "provisioned" else dims.model


# ---------------------------------------------------------------- CloudWatch


def _cloudwatch_request(protocol: str, service: str, operation: str | None) -> tuple[str, dict[str, Any]]:
    """(operation, parameters) of a CloudWatch request in any of its three protocols. Query values
    arrive as strings; JSON and CBOR ones typed (timestamps as epoch seconds or CBOR tag 1)."""
    try:
        if protocol == RPC_V2_CBOR:
            if service != CW_TARGET_PREFIX:
                raise AwsError(404, "UnknownOperationException", f"Unknown service {service}")
            raw = request.get_data()
            return operation or "", cbor2.loads(raw) if raw else {}
        if protocol == JSON_1_0:
            target = request.headers["X-Amz-Target"].split(".", 1)[1]
            return target, json.loads(request.get_data() or b"{}")
    except (cbor2.CBORDecodeError, ValueError) as exc:
        raise AwsError(400, "SerializationException", f"Malformed request body: {exc}") from None
    params = _parse_query_form(request.form.to_dict())
    return params.pop("Action", ""), params


def _cloudwatch_reply(
    protocol: str, operation: str, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    headers = {**(headers or {}), "x-amzn-RequestId": str(uuid.uuid4())}
    if protocol == RPC_V2_CBOR:
        payload = cbor2.dumps(body, datetime_as_timestamp=True)  # timestamps as tag 1, epoch seconds
        return Response(payload, status, {**headers, "smithy-protocol": "rpc-v2-cbor"}, mimetype="application/cbor")
    if protocol == JSON_1_0:
        text = json.dumps(body, default=lambda moment: moment.timestamp())  # epoch seconds
        return Response(text, status, headers, mimetype="application/x-amz-json-1.0")
    return _xml(operation, _xml_members(body))


def _xml_members(node: Any) -> str:
    """A reply structure as query-protocol XML: lists as <member> items, timestamps as RFC 3339."""
    if isinstance(node, dict):
        return "".join(f"<{key}>{_xml_members(value)}</{key}>" for key, value in node.items() if value is not None)
    if isinstance(node, list):
        return "".join(f"<member>{_xml_members(item)}</member>" for item in node)
    if isinstance(node, datetime):
        return fmt_rfc3339(node)
    if isinstance(node, bool):
        return "true" if node else "false"
    return escape(str(node))


def _moment(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):  # CBOR tag 1, decoded by cbor2
        return value.astimezone(UTC)
    if isinstance(value, int | float):  # JSON epoch seconds
        return datetime.fromtimestamp(value, UTC)
    try:
        return parse_rfc3339(str(value))
    except ValueError:
        raise AwsError(400, "InvalidParameterValue", f"The parameter {name} must be a timestamp.") from None


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _parse_query_form(form: dict[str, str]) -> dict[str, Any]:
    """Flattened query-protocol keys (A.member.1.B=x) into nested dicts and lists."""
    root: dict[str, Any] = {}
    for flat_key, value in form.items():
        parts = flat_key.split(".")
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "member":
                continue
            key: Any = int(part) if part.isdigit() else part
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
    parsed: dict[str, Any] = _listify(root)
    return parsed


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(k, int) for k in node):
        return [_listify(node[k]) for k in sorted(node)]
    return {k: _listify(v) for k, v in node.items()}


def _xml(action: str, result: str) -> Response:
    body = (
        f'<{action}Response xmlns="{CW_NS}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return Response(body, mimetype="text/xml")


def _dimension_model(metric: dict[str, Any]) -> str | None:
    for dim in metric.get("Dimensions", []):
        if dim.get("Name") == "ModelId":
            model: str | None = dim.get("Value")
            return model
        raise AwsError(400, "InvalidParameterValue", f"Unknown dimension {dim.get('Name')} for AWS/Bedrock")
    return None


def _series(
    state: SimState, region: str, query: dict[str, Any], start: datetime, end: datetime
) -> list[tuple[datetime, float]]:
    stat = query.get("MetricStat")
    if not stat:
        raise AwsError(400, "ValidationError", "Only MetricStat queries are supported by the simulator")
    metric, period = stat.get("Metric", {}), int(stat.get("Period", "60"))
    if period < 60 or period % 60:
        raise AwsError(400, "InvalidParameterValue", "The parameter Period must be a multiple of 60.")
    if stat.get("Stat") != "Sum":
        raise AwsError(400, "InvalidParameterValue", "The simulator only serves Stat=Sum.")
    name = metric.get("MetricName")
    if metric.get("Namespace") != "AWS/Bedrock" or name not in METRICS:
        return []
    model = _dimension_model(metric)
    points = []
    cursor = floor_to(start, period)
    while cursor < end:
        upper = cursor + timedelta(seconds=period)
        rows = [
            r
            for r in state.dataset.window_rows(PROVIDER, cursor, upper)
            if r.dims.region == region and (model is None or model_id(r.dims) == model)
        ]
        if rows:  # CloudWatch has no datapoint for a period without invocations
            points.append((cursor, float(sum(METRICS[name](r.usage) for r in rows))))
        cursor = upper
    return points


def _get_metric_data(state: SimState, region: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        start, end = _moment(params["StartTime"], "StartTime"), _moment(params["EndTime"], "EndTime")
    except KeyError as exc:
        raise AwsError(400, "MissingParameter", f"The parameter {exc.args[0]} is required.") from None
    queries = params.get("MetricDataQueries", [])
    if not queries:
        raise AwsError(400, "MissingParameter", "The parameter MetricDataQueries is required.")
    descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    series = []
    for query in queries:
        points = _series(state, region, query, start, end)
        series.append((query, points[::-1] if descending else points))
    try:
        offset = int(decode_token("cw_", params["NextToken"])) if params.get("NextToken") else 0
    except ValueError:
        raise AwsError(400, "InvalidNextToken", "The service could not decode the NextToken.") from None
    page_size = min(int(params.get("MaxDatapoints", 100_800)), state.config.paging.aws_cw_datapoints)
    results, position = [], 0
    for query, points in series:  # the page is the slice [offset, offset + page_size) of all points
        lo = min(max(offset - position, 0), len(points))
        hi = min(max(offset + page_size - position, 0), len(points))
        position += len(points)
        if not _flag(query.get("ReturnData"), default=True):
            continue
        results.append(
            {
                "Id": query["Id"],
                "Label": query.get("Label") or query["MetricStat"]["Metric"]["MetricName"],
                "Timestamps": [t for t, _ in points[lo:hi]],
                "Values": [v for _, v in points[lo:hi]],
                "StatusCode": "Complete" if hi == len(points) else "PartialData",
            }
        )
    consumed = offset + page_size
    body: dict[str, Any] = {"MetricDataResults": results}
    if consumed < position:
        body["NextToken"] = encode_token("cw_", consumed)
    body["Messages"] = []
    return body


def _list_metrics(state: SimState, region: str, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("Namespace", "AWS/Bedrock") != "AWS/Bedrock":
        return {"Metrics": []}
    models = sorted(
        {c.dims.model for c in state.dataset.combos(PROVIDER) if c.dims.region == region}
        | {c.commitment_id for c in _provisioned(state, region)}
    )
    wanted = params.get("MetricName")
    metrics = [
        {"Namespace": "AWS/Bedrock", "MetricName": name, "Dimensions": [{"Name": "ModelId", "Value": model}]}
        for name in METRICS
        if wanted in (None, name)
        for model in models
    ]
    return {"Metrics": metrics}


# ---------------------------------------------------------------- Cost Explorer


def usage_type(dims: Dims, category: str) -> str:
    return f"{REGION_CODES[dims.region]}-{USAGE_TYPE_STEMS[dims.model]}-{USAGE_TYPE_SUFFIXES[category]}"


def _periods(start: date, end: date, granularity: str) -> list[tuple[datetime, datetime]]:
    lo = datetime(start.year, start.month, start.day, tzinfo=UTC)
    hi = datetime(end.year, end.month, end.day, tzinfo=UTC)
    periods = []
    while lo < hi:
        if granularity == "MONTHLY":
            nxt = datetime(lo.year + lo.month // 12, lo.month % 12 + 1, 1, tzinfo=UTC)
        else:
            nxt = lo + (timedelta(hours=1) if granularity == "HOURLY" else timedelta(days=1))
        periods.append((lo, min(nxt, hi)))
        lo = min(nxt, hi)
    return periods


def _matches(expr: dict[str, Any] | None, attrs: dict[str, str]) -> bool:
    if not expr:
        return True
    if "And" in expr:
        return all(_matches(e, attrs) for e in expr["And"])
    if "Or" in expr:
        return any(_matches(e, attrs) for e in expr["Or"])
    if "Not" in expr:
        return not _matches(expr["Not"], attrs)
    if "Dimensions" in expr:
        dim = expr["Dimensions"]
        return attrs.get(dim["Key"]) in dim.get("Values", [])
    if "Tags" in expr:
        return "" in expr["Tags"].get("Values", [])  # simulated usage carries no cost tags
    raise AwsError(400, "ValidationException", "Unsupported filter expression")


def _amount(value: Decimal) -> str:
    return format(value.quantize(AMOUNT_QUANTUM).normalize(), "f")


def _get_cost_and_usage(state: SimState, body: dict[str, Any]) -> dict[str, Any]:
    try:
        period = body["TimePeriod"]
        start, end = date.fromisoformat(period["Start"]), date.fromisoformat(period["End"])
        granularity, metrics = body["Granularity"], body["Metrics"]
    except (KeyError, ValueError) as exc:
        raise AwsError(400, "ValidationException", f"Invalid or missing parameter: {exc}") from None
    if start >= end:
        raise AwsError(400, "ValidationException", "Start date must be before end date")
    if granularity not in ("DAILY", "MONTHLY", "HOURLY") or not metrics:
        raise AwsError(400, "ValidationException", "Invalid Granularity or Metrics")
    for metric in metrics:
        if metric not in CE_METRICS:
            raise AwsError(400, "ValidationException", f"Invalid metric: {metric}")
    group_by = body.get("GroupBy", [])
    if len(group_by) > 2:
        raise AwsError(400, "ValidationException", "GroupBy can contain at most 2 entries")
    for group in group_by:
        if group.get("Type") == "DIMENSION" and group.get("Key") not in CE_DIMENSIONS:
            raise AwsError(400, "ValidationException", f"Invalid group by dimension: {group.get('Key')}")

    def attributes(dims: Dims, category: str) -> dict[str, str]:
        return {
            "SERVICE": "Amazon Bedrock",
            "USAGE_TYPE": usage_type(dims, category),
            "REGION": dims.region,
            "LINKED_ACCOUNT": AWS_ACCOUNT,
            "OPERATION": "InvokeModelInference",
            "RECORD_TYPE": "Usage",
        }

    def group_keys(attrs: dict[str, str]) -> tuple[str, ...]:
        return tuple(attrs[g["Key"]] if g.get("Type") == "DIMENSION" else f"{g.get('Key')}$" for g in group_by)

    now = state.config.effective_now
    entries: list[tuple[int, tuple[str, ...] | None, dict[str, Any]]] = []
    periods = _periods(start, end, granularity)
    for index, (lo, hi) in enumerate(periods):
        totals: dict[tuple[str, ...], list[Decimal]] = {}
        lines: list[tuple[dict[str, str], Decimal, Decimal]] = []
        for row in state.dataset.window_rows(PROVIDER, lo, hi):
            if row.dims.traffic == "provisioned":
                continue  # billed per model unit-hour below, not per token
            for category, (tokens, usd) in line_costs(PROVIDER, row.dims, row.usage).items():
                lines.append((attributes(row.dims, category), usd, Decimal(tokens)))
        for pt in commitments(state.dataset, PROVIDER):
            live_lo, live_hi = max(lo, state.config.window_start), min(hi, state.config.window_end, now)
            seconds = pt.active_seconds(live_lo, live_hi) if live_lo < live_hi else 0
            if seconds:
                unit_hours = Decimal(pt.units * seconds) / 3600
                lines.append(
                    (
                        {
                            "SERVICE": "Amazon Bedrock",
                            "USAGE_TYPE": f"{REGION_CODES[pt.region]}-ProvisionedThroughput-"
                            f"{USAGE_TYPE_STEMS.get(pt.model, pt.model)}-ModelUnits",
                            "REGION": pt.region,
                            "LINKED_ACCOUNT": AWS_ACCOUNT,
                            "OPERATION": "ProvisionedThroughput",
                            "RECORD_TYPE": "Usage",
                        },
                        unit_hours * pt.unit_hourly_usd,
                        unit_hours,
                    )
                )
        for attrs, usd, quantity in lines:
            if _matches(body.get("Filter"), attrs):
                acc = totals.setdefault(group_keys(attrs), [Decimal(0), Decimal(0)])
                acc[0] += usd
                acc[1] += quantity
        values = {
            k: {
                m: {
                    "Amount": _amount(v[1] if m == "UsageQuantity" else v[0]),
                    "Unit": "N/A" if m == "UsageQuantity" else "USD",
                }
                for m in metrics
            }
            for k, v in totals.items()
        }
        if group_by:
            entries.extend((index, k, values[k]) for k in sorted(values))
            if not values:
                entries.append((index, None, {}))
        else:
            total = values.get((), {m: {"Amount": "0", "Unit": "USD"} for m in metrics})
            entries.append((index, None, total))
    offset = int(decode_token("ce_", body["NextPageToken"])) if body.get("NextPageToken") else 0
    page = entries[offset : offset + state.config.paging.aws_ce_groups]
    results: dict[int, dict[str, Any]] = {}
    for index, keys, metric_values in page:
        lo, hi = periods[index]
        result = results.setdefault(
            index,
            {
                "TimePeriod": {
                    "Start": lo.strftime("%Y-%m-%dT%H:%M:%SZ" if granularity == "HOURLY" else "%Y-%m-%d"),
                    "End": hi.strftime("%Y-%m-%dT%H:%M:%SZ" if granularity == "HOURLY" else "%Y-%m-%d"),
                },
                "Total": {} if group_by else metric_values,
                "Groups": [],
                "Estimated": hi > now - timedelta(days=2),
            },
        )
        if keys is not None:
            result["Groups"].append({"Keys": list(keys), "Metrics": metric_values})
    response: dict[str, Any] = {
        "GroupDefinitions": [{"Type": g.get("Type"), "Key": g.get("Key")} for g in group_by],
        "ResultsByTime": list(results.values()),
        "DimensionValueAttributes": [],
    }
    if offset + len(page) < len(entries):
        response["NextPageToken"] = encode_token("ce_", offset + len(page))
    return response
