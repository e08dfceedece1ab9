"""OpenAI Admin API: /v1/organization/usage/{completions,embeddings} and /v1/organization/costs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request

from provider_sim.dataset_types import Dims, Usage, UsageRow
from provider_sim.http import aggregate, decode_token, encode_token, json_response, sort_key
from provider_sim.prices import PRICES, line_costs
from provider_sim.state import ErrorShapes, SimState
from provider_sim.timeutil import WIDTHS, aligned_buckets, floor_to, from_unix, to_unix

PROVIDER = "openai"
LIMITS = {"1m": (60, 1440), "1h": (24, 168), "1d": (7, 31)}  # (default, max) buckets per page
COSTS_LIMIT = (7, 180)
DIMENSIONS: dict[str, Callable[[Dims], Any]] = {
    "project_id": lambda d: d.project,
    "user_id": lambda d: d.user,
    "api_key_id": lambda d: d.api_key,
    "model": lambda d: d.model,
    "batch": lambda d: d.batch,
    "service_tier": lambda d: d.service_tier,
}
GROUP_BY = {
    "completions": ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier"),
    "embeddings": ("project_id", "user_id", "api_key_id", "model"),
    "costs": ("project_id", "line_item", "api_key_id"),
}
FILTERS = {"project_ids": "project_id", "user_ids": "user_id", "api_key_ids": "api_key_id", "models": "model"}
LINE_ITEM_LABELS = {
    "uncached_input": "input",
    "cached_input": "cached input",
    "cache_write_5m": "cache write",
    "output": "output",
    "audio_input": "audio input",
    "audio_output": "audio output",
}


class BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _error(
    status: int,
    message: str,
    kind: str,
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return json_response(body, status, headers)


class OpenAIErrors(ErrorShapes):
    def auth(self, expired: bool) -> Response:
        message = (
            "Your admin API key has expired."
            if expired
            else "Incorrect API key provided. You must use an Admin API key for this endpoint."
        )
        return _error(401, message, "invalid_request_error", "invalid_api_key")

    def throttled(self) -> Response:
        return _error(
            429,
            "Rate limit reached for organization usage requests.",
            "requests",
            "rate_limit_exceeded",
            headers={"Retry-After": "1"},
        )

    def server_error(self) -> Response:
        return _error(500, "The server had an error while processing your request.", "server_error")


ERRORS = OpenAIErrors()


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("openai", __name__, url_prefix="/openai/v1/organization")
    creds = state.config.credentials

    @bp.before_request
    def _auth() -> Response | None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        if token == creds.openai_admin_key:
            return None
        return ERRORS.auth(expired=token == creds.openai_expired_key)

    @bp.errorhandler(BadRequest)
    def _bad(exc: BadRequest) -> Response:
        return _error(400, str(exc), "invalid_request_error", param=exc.param)

    @bp.get("/usage/completions")
    def completions() -> Response:
        return _usage(state, "completions")

    @bp.get("/usage/embeddings")
    def embeddings() -> Response:
        return _usage(state, "embeddings")

    @bp.get("/costs")
    def costs() -> Response:
        return _costs(state)

    return bp


def _int_param(name: str, required: bool = False) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        if required:
            raise BadRequest(f"Missing required parameter: '{name}'.", name)
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"Invalid value for '{name}': expected an integer.", name) from None


def _window(state: SimState) -> tuple[datetime, datetime, datetime]:
    """(query start, query end, cursor) from start_time/end_time/page."""
    start = from_unix(_int_param("start_time", required=True) or 0)
    end_raw = _int_param("end_time")
    end = from_unix(end_raw) if end_raw is not None else state.config.effective_now
    cursor = start
    if page := request.args.get("page"):
        try:
            cursor = from_unix(int(decode_token("page_", page)["next"]))
        except (ValueError, KeyError, TypeError):
            raise BadRequest("Invalid page cursor.", "page") from None
        if not start <= cursor <= end:
            raise BadRequest("Page cursor does not belong to this query.", "page")
    return start, end, cursor


def _limit(width: str, bounds: tuple[int, int]) -> int:
    default, maximum = bounds
    limit = _int_param("limit")
    if limit is None:
        return default
    if not 1 <= limit <= maximum:
        raise BadRequest(f"Invalid 'limit': must be between 1 and {maximum} for bucket_width {width}.", "limit")
    return limit


def _group_by(endpoint: str) -> tuple[str, ...]:
    fields = tuple(dict.fromkeys(request.args.getlist("group_by")))
    for field in fields:
        if field not in GROUP_BY[endpoint]:
            raise BadRequest(f"Invalid group_by value '{field}'.", "group_by")
    return fields


def _row_filter(endpoint: str) -> Callable[[UsageRow], bool]:
    wanted = {dim: set(request.args.getlist(param)) for param, dim in FILTERS.items() if request.args.getlist(param)}
    batch = request.args.get("batch")
    kind = "embedding" if endpoint == "embeddings" else "chat"

    def keep(row: UsageRow) -> bool:
        if endpoint != "costs" and PRICES[PROVIDER][row.dims.model].kind != kind:
            return False
        if batch is not None and row.dims.batch != (batch.lower() == "true"):
            return False
        return all(DIMENSIONS[dim](row.dims) in values for dim, values in wanted.items())

    return keep


def _page(
    buckets: Iterator[tuple[datetime, datetime]],
    limit: int,
    render: Callable[[datetime, datetime], list[dict[str, Any]]],
) -> Response:
    data: list[dict[str, Any]] = []
    next_start: datetime | None = None
    for lo, hi in buckets:
        if len(data) == limit:
            next_start = lo
            break
        data.append({"object": "bucket", "start_time": to_unix(lo), "end_time": to_unix(hi), "results": render(lo, hi)})
    next_page = encode_token("page_", {"next": to_unix(next_start)}) if next_start else None
    return json_response({"object": "page", "data": data, "has_more": next_page is not None, "next_page": next_page})


def _usage(state: SimState, endpoint: str) -> Response:
    width = request.args.get("bucket_width", "1d")
    if width not in WIDTHS:
        raise BadRequest("Invalid 'bucket_width': expected one of 1m, 1h, 1d.", "bucket_width")
    _, end, cursor = _window(state)
    limit = _limit(width, LIMITS[width])
    group_by, keep = _group_by(endpoint), _row_filter(endpoint)

    def render(lo: datetime, hi: datetime) -> list[dict[str, Any]]:
        rows = (r for r in state.dataset.window_rows(PROVIDER, lo, hi) if keep(r))
        totals = aggregate(rows, lambda r: tuple(DIMENSIONS[g](r.dims) for g in group_by))
        return [
            _usage_result(endpoint, dict(zip(group_by, key, strict=False)), totals[key])
            for key in sorted(totals, key=sort_key)
        ]

    return _page(aligned_buckets(cursor, end, WIDTHS[width]), limit, render)


def _usage_result(endpoint: str, group: dict[str, Any], usage: Usage) -> dict[str, Any]:
    dims = {name: group.get(name) for name in GROUP_BY[endpoint]}
    if endpoint == "embeddings":
        return {
            "object": "organization.usage.embeddings.result",
            "input_tokens": usage.input_total,
            "num_model_requests": usage.requests,
            **dims,
        }
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": usage.input_total,
        "input_cached_tokens": usage.cached_input,
        "input_cache_write_tokens": usage.cache_write_5m,
        "input_uncached_tokens": usage.uncached_input + usage.audio_input,
        "input_text_tokens": usage.input_total - usage.audio_input,
        "input_audio_tokens": usage.audio_input,
        "input_cached_text_tokens": usage.cached_input,
        "input_cached_audio_tokens": 0,
        "input_image_tokens": 0,
        "input_cached_image_tokens": 0,
        "output_tokens": usage.output_total,
        "output_text_tokens": usage.output,
        "output_audio_tokens": usage.audio_output,
        "output_image_tokens": 0,
        "num_model_requests": usage.requests,
        **dims,
    }


def line_item(dims: Dims, category: str) -> str:
    """e.g. "gpt-4o-2024-08-06, input"; tiers and batch get a suffix (simulator convention)."""
    label = LINE_ITEM_LABELS[category]
    if dims.batch:
        label += " (batch)"
    elif dims.service_tier not in ("default", "auto"):
        label += f" ({dims.service_tier})"
    return f"{dims.model}, {label}"


def _costs(state: SimState) -> Response:
    width = request.args.get("bucket_width", "1d")
    if width != "1d":
        raise BadRequest("Invalid 'bucket_width': costs only support 1d.", "bucket_width")
    _, end, cursor = _window(state)
    limit = _limit(width, COSTS_LIMIT)
    group_by, keep = _group_by("costs"), _row_filter("costs")

    def render(lo: datetime, hi: datetime) -> list[dict[str, Any]]:
        totals: dict[tuple[Any, ...], tuple[int, Decimal]] = {}
        for row in state.dataset.window_rows(PROVIDER, lo, hi):
            if not keep(row):
                continue
            for category, (quantity, usd) in line_costs(PROVIDER, row.dims, row.usage).items():
                values = {
                    "project_id": row.dims.project,
                    "api_key_id": row.dims.api_key,
                    "line_item": line_item(row.dims, category),
                }
                key = tuple(values[g] for g in group_by)
                q, total = totals.get(key, (0, Decimal(0)))
                totals[key] = (q + quantity, total + usd)
        by_line = "line_item" in group_by
        return [
            {
                "object": "organization.costs.result",
                "amount": {"value": float(totals[key][1]), "currency": "usd"},
                "line_item": None,
                "project_id": None,
                "api_key_id": None,
                **dict(zip(group_by, key, strict=False)),
                "quantity": totals[key][0] if by_line else None,
                "quantity_unit": "tokens" if by_line else None,
            }
            for key in sorted(totals, key=sort_key)
        ]

    # Costs are daily data: buckets are whole UTC days, the first one snapped to its midnight.
    day_start = floor_to(cursor, 86400)
    return _page(aligned_buckets(day_start, _ceil_day(end), 86400), limit, render)


def _ceil_day(moment: datetime) -> datetime:
    floored = floor_to(moment, 86400)
    return floored if floored == moment else floored + timedelta(days=1)
