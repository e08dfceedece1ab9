"""GCP: Cloud Monitoring v3 timeSeries.list (Vertex AI + Gemini API token metrics) and the
BigQuery REST calls google-cloud-bigquery makes for `client.query(...).result()` over the
billing export (jobs.insert, jobs.get, jobs.getQueryResults, jobs.query)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, request

from provider_sim.commitments import Commitment, GpuDeployment, commitments, gpu_deployments, replicas
from provider_sim.config import SimConfig
from provider_sim.dataset_types import Usage, UsageRow
from provider_sim.gcp_billing import SCHEMA, billing_rows
from provider_sim.http import decode_token, encode_token, json_response
from provider_sim.state import ErrorShapes, SimState
from provider_sim.timeutil import EPOCH, fmt_rfc3339, hours, parse_rfc3339

VERTEX_METRIC = "aiplatform.googleapis.com/publisher/online_serving/token_count"
GEMINI_METRICS: dict[str, Callable[[Usage], int]] = {
    "generativelanguage.googleapis.com/generate_content_usage_input_token_count": lambda u: u.input_total,
    "generativelanguage.googleapis.com/generate_content_usage_output_token_count": lambda u: u.output_total,
}
# (metric, resource, which rows belong to the series, value extracted from a row's usage)
SeriesSpec = tuple[dict[str, Any], dict[str, Any], Callable[[UsageRow], bool], Callable[[Usage], int]]
_CLAUSE = re.compile(r'([\w.]+)\s*=\s*"([^"]*)"')


class GoogleErrors(ErrorShapes):
    def __init__(self, bigquery: bool) -> None:
        self.bigquery = bigquery

    def render(
        self, status: int, grpc_status: str, reason: str, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        error: dict[str, Any] = {"code": status, "message": message, "status": grpc_status}
        if self.bigquery:  # BigQuery adds errors[].reason, which its client's retry predicate reads
            error["errors"] = [{"message": message, "domain": "global", "reason": reason}]
        return json_response({"error": error}, status, headers)

    def auth(self, expired: bool) -> Response:
        return self.render(
            401,
            "UNAUTHENTICATED",
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential.",
        )

    def throttled(self) -> Response:
        return self.render(429, "RESOURCE_EXHAUSTED", "rateLimitExceeded", "Quota exceeded.", {"Retry-After": "1"})

    def server_error(self) -> Response:
        return self.render(500, "INTERNAL", "backendError", "Internal error encountered.")


MONITORING_ERRORS = GoogleErrors(bigquery=False)
BIGQUERY_ERRORS = GoogleErrors(bigquery=True)


class BadRequest(Exception):
    pass


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("gcp", __name__, url_prefix="/gcp")
    expired = f"Bearer {state.config.credentials.gcp_expired_token}"

    @bp.before_request
    def _auth() -> Response | None:
        if request.headers.get("Authorization") == expired:
            errors = BIGQUERY_ERRORS if request.path.startswith("/gcp/bigquery/") else MONITORING_ERRORS
            return errors.auth(expired=True)
        return None

    @bp.errorhandler(BadRequest)
    def _bad(exc: BadRequest) -> Response:
        errors = BIGQUERY_ERRORS if request.path.startswith("/gcp/bigquery/") else MONITORING_ERRORS
        return errors.render(400, "INVALID_ARGUMENT", "invalidQuery", str(exc))

    @bp.get("/monitoring/v3/projects/<project>/timeSeries")
    def time_series(project: str) -> Response:
        return json_response(_list_time_series(state, project))

    @bp.get("/aiplatform/v1/projects/<project>/locations/<location>/endpoints/<endpoint_id>")
    def get_endpoint(project: str, location: str, endpoint_id: str) -> Response:
        body = _endpoint(state, project, location, endpoint_id)
        if body is None:
            return MONITORING_ERRORS.render(
                404,
                "NOT_FOUND",
                "notFound",
                f"Endpoint `projects/{project}/locations/{location}/endpoints/{endpoint_id}` not found.",
            )
        return json_response(body)

    @bp.get("/aiplatform/v1/projects/<project>/locations/<location>/endpoints")
    def list_endpoints(project: str, location: str) -> Response:
        ids = sorted(
            {d.endpoint_id for d in gpu_deployments(state.config) if (d.project, d.location) == (project, location)}
        )
        return json_response({"endpoints": [_endpoint(state, project, location, e) for e in ids]} if ids else {})

    @bp.post("/bigquery/v2/projects/<project>/jobs")
    def jobs_insert(project: str) -> Response:
        body = request.get_json(force=True)
        config = body.get("configuration", {}).get("query", {})
        job_id = body.get("jobReference", {}).get("jobId") or f"job_{uuid.uuid4().hex}"
        job = _create_job(state, project, job_id, config.get("query", ""), config.get("queryParameters", []))
        return json_response(_job_resource(job, body.get("configuration", {})))

    @bp.get("/bigquery/v2/projects/<project>/jobs/<job_id>")
    def jobs_get(project: str, job_id: str) -> Response:
        job = _job(state, job_id)
        return json_response(_job_resource(job, {"query": {"query": job["query"]}}))

    @bp.get("/bigquery/v2/projects/<project>/queries/<job_id>")
    def get_query_results(project: str, job_id: str) -> Response:
        args = request.args
        return json_response(
            _results_page(
                state,
                _job(state, job_id),
                args.get("maxResults"),
                args.get("pageToken"),
                args.get("startIndex"),
                args.get("formatOptions.useInt64Timestamp", "false").lower() == "true",
            )
        )

    @bp.post("/bigquery/v2/projects/<project>/queries")
    def jobs_query(project: str) -> Response:
        body = request.get_json(force=True)
        job = _create_job(
            state, project, f"job_{uuid.uuid4().hex}", body.get("query", ""), body.get("queryParameters", [])
        )
        page = _results_page(
            state, job, body.get("maxResults"), None, None, bool(body.get("formatOptions", {}).get("useInt64Timestamp"))
        )
        return json_response({**page, "kind": "bigquery#queryResponse"})

    return bp


# ---------------------------------------------------------------- Cloud Monitoring


def _seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)s", text.strip())
    if not match:
        raise BadRequest(f"Invalid duration: {text}")
    return int(match.group(1))


REQUEST_TYPES = {"payg": "shared", "provisioned": "dedicated", "spillover": "spillover"}
PT_PREFIX = "aiplatform.googleapis.com/publisher/online_serving/"
CONSUMED = PT_PREFIX + "consumed_token_throughput"
GSU_LIMIT = PT_PREFIX + "dedicated_gsu_limit"
TOKEN_LIMIT = PT_PREFIX + "dedicated_token_limit"
REPLICAS = "aiplatform.googleapis.com/prediction/online/replicas"
GAUGES = (GSU_LIMIT, TOKEN_LIMIT, REPLICAS)
Window = tuple[datetime, datetime]


def _publisher_resource(project: str, model: str, location: str) -> dict[str, Any]:
    publisher = "anthropic" if model.startswith("claude") else "google"
    return {
        "type": "aiplatform.googleapis.com/PublisherModel",
        "labels": {
            "resource_container": project,
            "location": location,
            "publisher": publisher,
            "model_user_id": model,
            "model_version_id": "",
        },
    }


def _vertex_rows(model: str, location: str, traffic: str) -> Callable[[UsageRow], bool]:
    return lambda r: r.dims.model == model and r.dims.region == location and r.dims.traffic == traffic


def _gemini_rows(model: str) -> Callable[[UsageRow], bool]:
    return lambda r: r.dims.model == model


def _series_for(state: SimState, project: str, metric_type: str) -> list[SeriesSpec]:
    """(metric, resource, row predicate, value) per DELTA time series of this metric and project."""
    series: list[SeriesSpec] = []
    if metric_type in (VERTEX_METRIC, CONSUMED):
        gsu = {(c.model, c.region) for c in commitments(state.dataset, "vertex") if c.project == project}
        combos = {(c.dims.model, c.dims.region) for c in state.dataset.combos("vertex") if c.dims.project == project}
        for model, location in sorted(combos):
            resource = _publisher_resource(project, model, location)
            traffics = ("payg", "provisioned", "spillover") if (model, location) in gsu else ("payg",)
            kinds: tuple[tuple[str | None, Callable[[Usage], int]], ...] = (
                (("input", lambda u: u.input_total), ("output", lambda u: u.output_total))
                if metric_type == VERTEX_METRIC
                else ((None, lambda u: u.tokens),)
            )
            for traffic in traffics:
                for kind, value in kinds:
                    labels = {"request_type": REQUEST_TYPES[traffic]}
                    if kind:
                        labels = {"type": kind, **labels}
                    metric = {"type": metric_type, "labels": labels}
                    series.append((metric, resource, _vertex_rows(model, location, traffic), value))
    elif metric_type in GEMINI_METRICS:
        for model in sorted({c.dims.model for c in state.dataset.combos("gemini") if c.dims.project == project}):
            resource = {
                "type": "generativelanguage.googleapis.com/Location",
                "labels": {"resource_container": project, "location": "global"},
            }
            metric = {"type": metric_type, "labels": {"model": model}}
            series.append((metric, resource, _gemini_rows(model), GEMINI_METRICS[metric_type]))
    return series


def _commitment_level(c: Commitment, level: float, aligner: str) -> Callable[[Window], float]:
    def value(w: Window) -> float:
        seconds = c.active_seconds(*w)
        if aligner == "ALIGN_MEAN":
            return level * seconds / (w[1] - w[0]).total_seconds()
        return level if seconds else 0

    return value


def _replica_level(config: SimConfig, d: GpuDeployment, aligner: str) -> Callable[[Window], float]:
    def value(w: Window) -> float:
        levels = [
            (min(h + timedelta(hours=1), w[1]) - max(h, w[0])).total_seconds() * replicas(config, d, h)
            for h in hours(*w)
        ]
        if aligner == "ALIGN_MEAN":
            return sum(levels) / (w[1] - w[0]).total_seconds()
        return max((replicas(config, d, h) for h in hours(*w)), default=0)

    return value


def _gauges_for(
    state: SimState, project: str, metric_type: str, aligner: str
) -> list[tuple[dict[str, Any], dict[str, Any], Callable[[Window], float]]]:
    """(metric, resource, value over a window) per GAUGE series: the time-weighted mean for
    ALIGN_MEAN, the largest value for ALIGN_MAX / ALIGN_NONE (0 = no point)."""
    out: list[tuple[dict[str, Any], dict[str, Any], Callable[[Window], float]]] = []
    if metric_type in (GSU_LIMIT, TOKEN_LIMIT):
        for c in commitments(state.dataset, "vertex"):
            if c.project != project:
                continue
            level = c.units if metric_type == GSU_LIMIT else c.units * c.tokens_per_unit_second
            resource = _publisher_resource(project, c.model, c.region)
            out.append(({"type": metric_type, "labels": {}}, resource, _commitment_level(c, level, aligner)))
    elif metric_type == REPLICAS:
        for d in gpu_deployments(state.config):
            if d.project != project:
                continue
            value = _replica_level(state.config, d, aligner)
            resource = {
                "type": "aiplatform.googleapis.com/Endpoint",
                "labels": {"resource_container": project, "location": d.location, "endpoint_id": d.endpoint_id},
            }
            out.append(({"type": metric_type, "labels": {"deployed_model_id": d.deployed_model_id}}, resource, value))
    return out


def _delta_sum(
    window_rows: dict[Window, list[UsageRow]], keep: Callable[[UsageRow], bool], value: Callable[[Usage], int]
) -> Callable[[Window], float]:
    """The value of one DELTA series over a window: the sum over its rows."""
    return lambda w: sum(value(x.usage) for x in window_rows[w] if keep(x))


def _label(series_part: dict[str, Any], field: str) -> str | None:
    """Resolve filter/groupBy paths like metric.type, resource.labels.location, metric.label.type."""
    root, _, rest = field.partition(".")
    node = series_part[root]
    value: str | None
    if rest == "type":
        value = node["type"]
    else:
        value = node["labels"].get(rest.split(".", 1)[1]) if "." in rest else None
    return value


def _list_time_series(state: SimState, project: str) -> dict[str, Any]:
    args = request.args
    clauses = dict(_CLAUSE.findall(args.get("filter", "")))
    metric_type = clauses.get("metric.type")
    if not metric_type:
        raise BadRequest("Field filter had an invalid value: a metric.type restriction is required.")
    try:
        start, end = parse_rfc3339(args["interval.startTime"]), parse_rfc3339(args["interval.endTime"])
    except KeyError:
        raise BadRequest("Field interval.endTime/startTime is required.") from None
    period = _seconds(args.get("aggregation.alignmentPeriod", "60s"))
    if period < 60:
        raise BadRequest("The alignment period must be at least 60s.")
    aligner = args.get("aggregation.perSeriesAligner", "ALIGN_NONE")
    gauge = metric_type in GAUGES
    allowed = ("ALIGN_NONE", "ALIGN_MEAN", "ALIGN_MAX") if gauge else ("ALIGN_NONE", "ALIGN_SUM", "ALIGN_DELTA")
    if aligner not in allowed:
        kind = "GAUGE" if gauge else "DELTA INT64"
        raise BadRequest(f"The aligner {aligner} is not valid for a {kind} metric in the simulator.")
    reducer = args.get("aggregation.crossSeriesReducer", "REDUCE_NONE")
    group_fields = args.getlist("aggregation.groupByFields")
    if reducer not in ("REDUCE_NONE", "REDUCE_SUM"):
        raise BadRequest(f"The reducer {reducer} is not supported by the simulator.")

    # Aligned windows end at interval.endTime and step back by the alignment period.
    windows = []
    upper = end
    while upper - timedelta(seconds=period) >= start:
        windows.append((upper - timedelta(seconds=period), upper))
        upper -= timedelta(seconds=period)
    if gauge:
        specs = [(m, r, value) for m, r, value in _gauges_for(state, project, metric_type, aligner)]
    else:
        provider = "vertex" if metric_type in (VERTEX_METRIC, CONSUMED) else "gemini"
        window_rows = {
            w: [r for r in state.dataset.window_rows(provider, *w) if r.dims.project == project] for w in windows
        }
        specs = [
            (m, r, _delta_sum(window_rows, keep, value))
            for m, r, keep, value in _series_for(state, project, metric_type)
        ]
    built: dict[str, dict[str, Any]] = {}
    for metric, resource, value in specs:
        parts = {"metric": metric, "resource": resource}
        if any(_label(parts, field) != wanted for field, wanted in clauses.items()):
            continue
        if reducer == "REDUCE_SUM":
            metric = {
                "type": metric["type"],
                "labels": {f.split(".")[-1]: _label(parts, f) for f in group_fields if f.startswith("metric.")},
            }
            resource = {
                "type": resource["type"],
                "labels": {f.split(".")[-1]: _label(parts, f) for f in group_fields if f.startswith("resource.")},
            }
        key = repr((metric, resource))
        entry = built.setdefault(
            key,
            {
                "metric": metric,
                "resource": resource,
                "metricKind": "GAUGE" if gauge else "DELTA",
                "valueType": "DOUBLE" if aligner == "ALIGN_MEAN" else "INT64",
                "points": {},
            },
        )
        for window in windows:  # newest first
            total = value(window)
            if total:
                entry["points"][window] = entry["points"].get(window, 0) + total
    series = []
    for entry in built.values():
        typed = "doubleValue" if entry["valueType"] == "DOUBLE" else "int64Value"
        points = [
            {
                "interval": {"startTime": fmt_rfc3339(lo), "endTime": fmt_rfc3339(hi)},
                "value": {typed: float(v) if typed == "doubleValue" else str(int(v))},
            }
            for (lo, hi), v in entry["points"].items()
        ]
        if points:
            series.append({**entry, "points": points})
    offset = int(decode_token("ts_", args["pageToken"])) if args.get("pageToken") else 0
    size = int(args.get("pageSize") or state.config.paging.gcp_series)
    body: dict[str, Any] = {}
    if series[offset : offset + size]:
        body["timeSeries"] = series[offset : offset + size]
    if offset + size < len(series):
        body["nextPageToken"] = encode_token("ts_", offset + size)
    return body  # the real API omits empty fields: no data -> {}


# ---------------------------------------------------------------- Vertex AI endpoints (GPU serving)


def _endpoint(state: SimState, project: str, location: str, endpoint_id: str) -> dict[str, Any] | None:
    deployed = [
        d
        for d in gpu_deployments(state.config)
        if (d.project, d.location, d.endpoint_id) == (project, location, endpoint_id)
    ]
    if not deployed:
        return None
    name = f"projects/{project}/locations/{location}/endpoints/{endpoint_id}"
    return {
        "name": name,
        "displayName": deployed[0].endpoint_name,
        "deployedModels": [
            {
                "id": d.deployed_model_id,
                "model": f"projects/{project}/locations/{location}/models/{d.display_name}",
                "displayName": d.display_name,
                "dedicatedResources": {
                    "machineSpec": {
                        "machineType": d.machine_type,
                        "acceleratorType": d.accelerator_type,
                        "acceleratorCount": d.accelerator_count,
                    },
                    "minReplicaCount": d.min_replicas,
                    "maxReplicaCount": d.max_replicas,
                },
                "createTime": fmt_rfc3339(state.config.window_start - timedelta(days=30)),
            }
            for d in deployed
        ],
        "trafficSplit": {d.deployed_model_id: 100 // len(deployed) for d in deployed},
        "createTime": fmt_rfc3339(state.config.window_start - timedelta(days=30)),
    }


# ---------------------------------------------------------------- BigQuery billing export


def _param(params: list[dict[str, Any]], name: str) -> str | None:
    for param in params:
        if param.get("name") == name:
            value: str | None = param.get("parameterValue", {}).get("value")
            return value
    return None


def _create_job(state: SimState, project: str, job_id: str, query: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    start, end = _param(params, "start_time"), _param(params, "end_time")
    if start is None or end is None:
        raise BadRequest("Query parameters @start_time and @end_time are required by the simulator.")
    service = _param(params, "service_description")
    start_at, end_at = parse_rfc3339(start), parse_rfc3339(end)
    services = {service} if service else None
    job: dict[str, Any] = {
        "project": project,
        "job_id": job_id,
        "query": query,
        "start": start_at,
        "end": end_at,
        "services": services,
        "total_rows": sum(1 for _ in billing_rows(state, start_at, end_at, services)),
    }
    state.bigquery_jobs[job_id] = job
    return job


def _job(state: SimState, job_id: str) -> dict[str, Any]:
    job = state.bigquery_jobs.get(job_id)
    if job is None:
        raise BadRequest(f"Not found: Job {job_id}")
    return job


def _job_resource(job: dict[str, Any], configuration: dict[str, Any]) -> dict[str, Any]:
    reference = {"projectId": job["project"], "jobId": job["job_id"], "location": "US"}
    return {
        "kind": "bigquery#job",
        "id": f"{job['project']}:US.{job['job_id']}",
        "jobReference": reference,
        "configuration": configuration,
        "status": {"state": "DONE"},
        "statistics": {
            "creationTime": "0",
            "startTime": "0",
            "endTime": "0",
            "query": {"totalBytesProcessed": "0", "statementType": "SELECT"},
        },
    }


def _encode_value(value: Any, field: dict[str, Any], int64_timestamps: bool) -> Any:
    if value is None:
        return None
    if field["mode"] == "REPEATED":
        item = {**field, "mode": "NULLABLE"}
        return [{"v": _encode_value(v, item, int64_timestamps)} for v in value]
    if field["type"] == "RECORD":
        return {"f": [{"v": _encode_value(value.get(f["name"]), f, int64_timestamps)} for f in field["fields"]]}
    if field["type"] == "TIMESTAMP":
        micros = int((value - EPOCH).total_seconds()) * 1_000_000
        return str(micros) if int64_timestamps else f"{micros / 1e6:.6E}"
    return str(value)


def _results_page(
    state: SimState,
    job: dict[str, Any],
    max_results: Any,
    page_token: str | None,
    start_index: Any,
    int64_timestamps: bool,
) -> dict[str, Any]:
    offset = int(decode_token("bq_", page_token)) if page_token else int(start_index or 0)
    limit = (
        state.config.paging.bigquery_rows
        if max_results is None
        else min(int(max_results), state.config.paging.bigquery_rows)
    )
    page: dict[str, Any] = {
        "kind": "bigquery#getQueryResultsResponse",
        "schema": {"fields": SCHEMA},
        "jobReference": {"projectId": job["project"], "jobId": job["job_id"], "location": "US"},
        "totalRows": str(job["total_rows"]),
        "totalBytesProcessed": "0",
        "jobComplete": True,
        "cacheHit": False,
    }
    if limit == 0:
        return page  # no `rows` key: the client then fetches the first page itself
    rows = []
    for index, row in enumerate(billing_rows(state, job["start"], job["end"], job["services"])):
        if index >= offset + limit:
            break
        if index >= offset:
            rows.append({"f": [{"v": _encode_value(row[f["name"]], f, int64_timestamps)} for f in SCHEMA]})
    page["rows"] = rows
    if offset + len(rows) < job["total_rows"]:
        page["pageToken"] = encode_token("bq_", offset + len(rows))
    return page
