"""Azure (management.azure.com paths under /azure): Cognitive Services deployments list, Azure
Monitor metrics for Azure OpenAI accounts, and the Cost Management Query API."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from provider_sim.catalog import (
    AZURE_ACCOUNT,
    AZURE_DEPLOYMENTS,
    AZURE_REGION,
    AZURE_RESOURCE_GROUP,
    AZURE_SUBSCRIPTION,
    AzureDeployment,
)
from provider_sim.commitments import commitments
from provider_sim.dataset_types import Dims, Usage
from provider_sim.http import json_response
from provider_sim.prices import AZURE_PTU_HOURLY_USD, line_costs
from provider_sim.state import ErrorShapes, SimState
from provider_sim.timeutil import UTC, aligned_buckets, fmt_rfc3339, parse_rfc3339

PROVIDER = "azure"
ACCOUNT_PATH = (
    f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{AZURE_RESOURCE_GROUP}"
    f"/providers/Microsoft.CognitiveServices/accounts/{AZURE_ACCOUNT}"
)
METRICS: dict[str, tuple[str, Callable[[Usage], int]]] = {
    "ProcessedPromptTokens": ("Processed Prompt Tokens", lambda u: u.input_total),
    "GeneratedTokens": ("Generated Completion Tokens", lambda u: u.output_total),
    "TokenTransaction": ("Processed Inference Tokens", lambda u: u.input_total + u.output_total),
    "AzureOpenAIRequests": ("Azure OpenAI Requests", lambda u: u.requests),
}
UTILIZATION = "AzureOpenAIProvisionedManagedUtilizationV2"  # percent, provisioned deployments only
INTERVALS = {
    "PT1M": 60,
    "PT5M": 300,
    "PT15M": 900,
    "PT30M": 1800,
    "PT1H": 3600,
    "PT6H": 21600,
    "PT12H": 43200,
    "P1D": 86400,
}
COST_AGGREGATIONS = ("Cost", "PreTaxCost", "CostUSD", "PreTaxCostUSD", "UsageQuantity")
METER_SUFFIX = {"uncached_input": "Inp", "cached_input": "cchd Inp", "cache_write_5m": "Inp", "output": "Outp"}
_FILTER = re.compile(r"^\s*ModelDeploymentName\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


class AzureError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status, headers)


class AzureErrors(ErrorShapes):
    def auth(self, expired: bool) -> Response:
        if expired:
            return _error(
                401, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."
            )
        return _error(401, "InvalidAuthenticationToken", "The access token is invalid.")

    def throttled(self) -> Response:
        if "Microsoft.CostManagement" in request.path:  # QPU-based throttling has its own headers
            return _error(
                429,
                "429",
                "Too many requests. Please retry.",
                {
                    "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "1",
                    "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed": "12",
                    "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining": "0",
                },
            )
        return _error(429, "TooManyRequests", "Rate limit exceeded.", {"Retry-After": "1"})

    def server_error(self) -> Response:
        return _error(500, "InternalServerError", "Encountered internal server error.")


ERRORS = AzureErrors()


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("azure", __name__, url_prefix="/azure")
    creds = state.config.credentials

    @bp.before_request
    def _auth() -> Response | None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        if token is None:
            return _error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        if token != creds.azure_token:
            return ERRORS.auth(expired=token == creds.azure_expired_token)
        if not request.args.get("api-version"):
            return _error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        return None

    @bp.errorhandler(AzureError)
    def _bad(exc: AzureError) -> Response:
        return _error(exc.status, exc.code, str(exc))

    @bp.get(f"{ACCOUNT_PATH}/deployments")
    def deployments() -> Response:
        return json_response({"value": [_deployment(state, d) for d in AZURE_DEPLOYMENTS]})

    @bp.get(f"{ACCOUNT_PATH}/providers/Microsoft.Insights/metrics")
    def metrics() -> Response:
        return json_response(_metrics(state))

    @bp.post("/<path:scope>/providers/Microsoft.CostManagement/query")
    def cost_query(scope: str) -> Response:
        if not scope.lower().startswith(f"subscriptions/{AZURE_SUBSCRIPTION}"):
            raise AzureError(404, "NotFound", f"Scope /{scope} not found.")
        return json_response(_cost_query(state, scope, request.get_json(force=True)))

    return bp


def _deployment(state: SimState, dep: AzureDeployment) -> dict[str, Any]:
    ptu = next((c for c in commitments(state.dataset, PROVIDER) if c.commitment_id == dep.name), None)
    created = ptu.start if ptu else state.config.window_start - timedelta(days=60)
    return {
        "id": f"{ACCOUNT_PATH}/deployments/{dep.name}",
        "type": "Microsoft.CognitiveServices/accounts/deployments",
        "name": dep.name,
        "sku": {"name": dep.sku, "capacity": dep.capacity},
        "systemData": {
            "createdAt": fmt_rfc3339(created),
            "createdByType": "User",
            "lastModifiedAt": fmt_rfc3339(created),
            "lastModifiedByType": "User",
        },
        "properties": {
            "model": {"format": "OpenAI", "name": dep.model, "version": dep.model_version},
            "versionUpgradeOption": "OnceNewDefaultVersionAvailable",
            "provisioningState": "Succeeded",
            "capabilities": {"chatCompletion": "true"} if "embedding" not in dep.model else {"embeddings": "true"},
        },
    }


def _metrics(state: SimState) -> dict[str, Any]:
    args = request.args
    names = [n.strip() for n in args.get("metricnames", "").split(",") if n.strip()]
    for name in names:
        if name not in METRICS and name != UTILIZATION:
            raise AzureError(
                400,
                "BadRequest",
                f"Failed to find metric configuration for provider: Microsoft.CognitiveServices, metric: {name}",
            )
    interval = args.get("interval", "PT1H").upper()
    if interval not in INTERVALS:
        raise AzureError(400, "BadRequest", f"Invalid interval {interval}")
    try:
        lo_text, hi_text = args["timespan"].split("/")
        start, end = parse_rfc3339(lo_text), parse_rfc3339(hi_text)
    except (KeyError, ValueError):
        raise AzureError(400, "BadRequest", "timespan must be '<start>/<end>' in ISO 8601") from None
    split = None
    if args.get("$filter"):
        match = _FILTER.match(args["$filter"])
        if not match:
            raise AzureError(400, "BadRequest", "The simulator supports $filter=ModelDeploymentName eq '<name>|*'")
        split = match.group(1)
    buckets = list(aligned_buckets(start, end, INTERVALS[interval]))
    per_bucket = {b: list(state.dataset.window_rows(PROVIDER, *b)) for b in buckets}
    deployments = (
        sorted({r.dims.project for rows in per_bucket.values() for r in rows if r.dims.project is not None})
        if split == "*"
        else [split]
    )
    value = []
    for name in names:
        if name == UTILIZATION:
            value.append(_utilization(state, buckets, per_bucket, split))
            continue
        display, metric = METRICS[name]
        series = []
        for deployment in deployments:
            data = [
                {
                    "timeStamp": fmt_rfc3339(lo),
                    "total": float(
                        sum(
                            metric(r.usage)
                            for r in per_bucket[(lo, hi)]
                            if deployment is None or r.dims.project == deployment
                        )
                    ),
                }
                for lo, hi in buckets
            ]
            metadata = (
                []
                if deployment is None
                else [
                    {
                        "name": {"value": "modeldeploymentname", "localizedValue": "modeldeploymentname"},
                        "value": deployment,
                    }
                ]
            )
            series.append({"metadatavalues": metadata, "data": data})
        value.append(
            {
                "id": f"{ACCOUNT_PATH}/providers/Microsoft.Insights/metrics/{name}",
                "type": "Microsoft.Insights/metrics",
                "name": {"value": name, "localizedValue": display},
                "displayDescription": f"{display} (simulated)",
                "unit": "Count",
                "timeseries": series,
                "errorCode": "Success",
            }
        )
    return {
        "cost": 0,
        "timespan": args["timespan"],
        "interval": interval,
        "value": value,
        "namespace": "Microsoft.CognitiveServices/accounts",
        "resourceregion": AZURE_REGION,
    }


def _utilization(state: SimState, buckets: list, per_bucket: dict, split: str | None) -> dict[str, Any]:
    """Percent of the PTU capacity used per interval (aggregation Average), one series per
    provisioned deployment; spillover served elsewhere is not counted."""
    series = []
    for ptu in commitments(state.dataset, PROVIDER):
        if split not in ("*", ptu.commitment_id):
            continue
        data = []
        for lo, hi in buckets:
            capacity = ptu.units * ptu.capacity_per_unit_hour * ptu.active_seconds(lo, hi) / 3600
            used = sum(
                r.usage.tokens
                for r in per_bucket[(lo, hi)]
                if r.dims.traffic == "provisioned" and r.dims.capacity_id == ptu.commitment_id
            )
            point: dict[str, Any] = {"timeStamp": fmt_rfc3339(lo)}
            if capacity > 0:
                point["average"] = min(100.0, 100.0 * used / capacity)
            data.append(point)
        metadata = [
            {
                "name": {"value": "modeldeploymentname", "localizedValue": "modeldeploymentname"},
                "value": ptu.commitment_id,
            }
        ]
        series.append({"metadatavalues": metadata, "data": data})
    return {
        "id": f"{ACCOUNT_PATH}/providers/Microsoft.Insights/metrics/{UTILIZATION}",
        "type": "Microsoft.Insights/metrics",
        "name": {"value": UTILIZATION, "localizedValue": "Provisioned-managed Utilization V2"},
        "displayDescription": "Utilization % of a provisioned-managed deployment (simulated)",
        "unit": "Percent",
        "timeseries": series,
        "errorCode": "Success",
    }


def meter_name(dims: Dims, category: str) -> str:
    """e.g. "gpt-4o-0806 Inp glbl" (shape of Azure OpenAI token meters; exact names vary)."""
    scope = "glbl" if dims.service_tier.startswith("Global") else "regnl"
    return f"{dims.model} {METER_SUFFIX[category]} {scope}"


def _cost_lines(state: SimState, day: date) -> list[tuple[dict[str, str], Decimal, Decimal]]:
    """(dimension values, cost USD, usage quantity) per meter for one day."""
    lo = datetime.combine(day, time(), UTC)
    hi = lo + timedelta(days=1)
    lines: dict[tuple[str, str], list[Decimal]] = {}
    for row in state.dataset.window_rows(PROVIDER, lo, hi):
        if row.dims.service_tier.endswith("ProvisionedManaged"):
            continue
        deployment = row.dims.project
        if deployment is None:  # every simulated Azure combo is a deployment
            continue
        for category, (tokens, usd) in line_costs(PROVIDER, row.dims, row.usage).items():
            acc = lines.setdefault((deployment, meter_name(row.dims, category)), [Decimal(0), Decimal(0)])
            acc[0] += usd
            acc[1] += Decimal(tokens) / 1000  # token meters are billed per 1K tokens
    live_hours = sum(
        1
        for h in range(24)
        if state.config.window_start
        <= lo + timedelta(hours=h)
        < min(state.config.window_end, state.config.effective_now)
    )
    for dep in AZURE_DEPLOYMENTS:
        if dep.sku.endswith("ProvisionedManaged") and live_hours:
            ptu_hours = Decimal(dep.capacity * live_hours)
            lines[(dep.name, "Provisioned Managed Global Unit")] = [ptu_hours * AZURE_PTU_HOURLY_USD, ptu_hours]
    result = []
    for (deployment, meter), (usd, quantity) in sorted(lines.items()):
        dims = {
            "ResourceId": ACCOUNT_PATH.lower(),
            "ResourceGroup": AZURE_RESOURCE_GROUP,
            "ResourceGroupName": AZURE_RESOURCE_GROUP,
            "ServiceName": "Cognitive Services",
            "MeterCategory": "Cognitive Services",
            "MeterSubCategory": "Azure OpenAI",
            "Meter": meter,
            "ResourceLocation": AZURE_REGION,
            "ChargeType": "Usage",
            "PricingModel": "OnDemand",
            "SubscriptionId": AZURE_SUBSCRIPTION,
            "x_DeploymentName": deployment,
        }
        result.append((dims, usd, quantity))
    return result


def _days(state: SimState, body: dict[str, Any]) -> list[date]:
    timeframe = str(body.get("timeframe", "")).lower()
    now = state.config.effective_now
    if timeframe == "custom":
        try:
            period = body["timePeriod"]
            first, last = parse_rfc3339(period["from"]).date(), parse_rfc3339(period["to"]).date()
        except (KeyError, ValueError):
            raise AzureError(400, "BadRequest", "timePeriod.from/to are required for a Custom timeframe") from None
    elif timeframe in ("monthtodate", "billingmonthtodate"):
        first, last = now.date().replace(day=1), now.date()
    elif timeframe in ("thelastmonth", "thelastbillingmonth"):
        last = now.date().replace(day=1) - timedelta(days=1)
        first = last.replace(day=1)
    elif timeframe == "weektodate":
        first, last = now.date() - timedelta(days=now.weekday()), now.date()
    else:
        raise AzureError(400, "BadRequest", f"Invalid timeframe {body.get('timeframe')}")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _matches(expr: dict[str, Any] | None, attrs: dict[str, str]) -> bool:
    if not expr:
        return True
    if "and" in expr:
        return all(_matches(e, attrs) for e in expr["and"])
    if "or" in expr:
        return any(_matches(e, attrs) for e in expr["or"])
    if "not" in expr:
        return not _matches(expr["not"], attrs)
    if "dimensions" in expr:
        dim = expr["dimensions"]
        wanted = {str(v).lower() for v in dim.get("values", [])}
        return str(attrs.get(dim["name"], "")).lower() in wanted
    if "tags" in expr:
        return "" in expr["tags"].get("values", [])  # simulated resources carry no tags
    raise AzureError(400, "BadRequest", "Unsupported filter expression")


def _cost_query(state: SimState, scope: str, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("type") not in ("Usage", "ActualCost", "AmortizedCost"):
        raise AzureError(400, "BadRequest", "Invalid query type; expected Usage, ActualCost or AmortizedCost.")
    dataset = body.get("dataset") or {}
    aggregation = dataset.get("aggregation") or {}
    grouping = dataset.get("grouping") or []
    if len(aggregation) > 2:
        raise AzureError(400, "BadRequest", "Invalid dataset aggregation; a maximum of 2 aggregations are allowed.")
    if len(grouping) > 2:
        raise AzureError(400, "BadRequest", "Invalid dataset grouping; a maximum of 2 groupings are allowed.")
    for spec in aggregation.values():
        if spec.get("name") not in COST_AGGREGATIONS or spec.get("function") != "Sum":
            raise AzureError(400, "BadRequest", f"Invalid aggregation {spec}")
    granularity = dataset.get("granularity", "None")
    if granularity not in ("Daily", "None"):
        raise AzureError(400, "BadRequest", "Invalid granularity; expected Daily or None.")
    group_names = [g["name"] if g.get("type") == "Dimension" else f"TagKey:{g['name']}" for g in grouping]

    table: dict[tuple[Any, ...], list[Decimal]] = {}
    for day in _days(state, body):
        for dims, usd, quantity in _cost_lines(state, day):
            if not _matches(dataset.get("filter"), dims):
                continue
            keys = tuple(dims.get(name, "") if not name.startswith("TagKey:") else "" for name in group_names)
            key = ((int(day.strftime("%Y%m%d")),) if granularity == "Daily" else ()) + keys
            acc = table.setdefault(key, [Decimal(0), Decimal(0)])
            acc[0] += usd
            acc[1] += quantity
    columns = [{"name": spec["name"], "type": "Number"} for spec in aggregation.values()]
    if granularity == "Daily":
        columns.append({"name": "UsageDate", "type": "Number"})
    columns += [{"name": g["name"], "type": "String"} for g in grouping]
    columns.append({"name": "Currency", "type": "String"})
    rows = [
        [float(acc[1] if spec["name"] == "UsageQuantity" else acc[0]) for spec in aggregation.values()]
        + list(key)
        + ["USD"]
        for key, acc in sorted(table.items())
    ]

    skip = int(request.args.get("$skiptoken", "0"))
    size = state.config.paging.azure_cost_rows
    next_link = None
    if skip + size < len(rows):  # the real nextLink is the same URL plus a $skiptoken
        args = {**request.args.to_dict(flat=False), "$skiptoken": [str(skip + size)]}
        next_link = f"{request.base_url}?{urlencode(args, doseq=True, safe='$')}"
    return {
        "id": f"/{scope}/providers/Microsoft.CostManagement/query/sim",
        "name": "sim",
        "type": "microsoft.costmanagement/Query",
        "location": None,
        "sku": None,
        "eTag": None,
        "properties": {"nextLink": next_link, "columns": columns, "rows": rows[skip : skip + size]},
    }
