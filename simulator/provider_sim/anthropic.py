"""Anthropic Admin API: /v1/organizations/usage_report/messages and /v1/organizations/cost_report."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request

from provider_sim.dataset_types import Dims, Usage, UsageRow
from provider_sim.http import aggregate, decode_token, encode_token, json_response, sort_key
from provider_sim.prices import line_costs
from provider_sim.state import ErrorShapes, SimState
from provider_sim.timeutil import WIDTHS, floor_to, fmt_rfc3339, parse_rfc3339

PROVIDER = "anthropic"
LIMITS = {"1m": (60, 1440), "1h": (24, 168), "1d": (7, 31)}
CENTS = Decimal(100)
AMOUNT_QUANTUM = Decimal("0.00001")  # cents, as in the documented "123.78912"
DIMENSIONS: dict[str, Callable[[Dims], Any]] = {
    "api_key_id": lambda d: d.api_key,
    "workspace_id": lambda d: d.project,
    "model": lambda d: d.model,
    "service_tier": lambda d: d.service_tier,
    "context_window": lambda d: d.context_window,
}
FILTERS = {
    "api_key_ids[]": "api_key_id",
    "workspace_ids[]": "workspace_id",
    "models[]": "model",
    "service_tiers[]": "service_tier",
    "context_window[]": "context_window",
}
COST_GROUP_BY = ("workspace_id", "description")
TOKEN_TYPES = {  # usage category -> (token_type, description suffix)
    "uncached_input": ("uncached_input_tokens", "Input Tokens"),
    "output": ("output_tokens", "Output Tokens"),
    "cached_input": ("cache_read_input_tokens", "Cache Read Input Tokens"),
    "cache_write_5m": ("cache_creation.ephemeral_5m_input_tokens", "5m Cache Write Input Tokens"),
    "cache_write_1h": ("cache_creation.ephemeral_1h_input_tokens", "1h Cache Write Input Tokens"),
}


class BadRequest(Exception):
    pass


def _error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"type": "error", "error": {"type": kind, "message": message}}, status, headers)


class AnthropicErrors(ErrorShapes):
    def auth(self, expired: bool) -> Response:
        return _error(401, "authentication_error", "API key expired" if expired else "invalid x-api-key")

    def throttled(self) -> Response:
        return _error(429, "rate_limit_error", "Number of requests has exceeded your rate limit", {"retry-after": "1"})

    def server_error(self) -> Response:
        return _error(500, "api_error", "Internal server error")


ERRORS = AnthropicErrors()


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("anthropic", __name__, url_prefix="/anthropic/v1/organizations")
    creds = state.config.credentials

    @bp.before_request
    def _auth() -> Response | None:
        key = request.headers.get("x-api-key")
        if key == creds.anthropic_admin_key:
            if not request.headers.get("anthropic-version"):
                return _error(400, "invalid_request_error", "anthropic-version: header is required")
            return None
        if key and key.startswith("sk-ant-api"):
            return _error(403, "permission_error", "This endpoint requires an Admin API key.")
        return ERRORS.auth(expired=key == creds.anthropic_expired_key)

    @bp.errorhandler(BadRequest)
    def _bad(exc: BadRequest) -> Response:
        return _error(400, "invalid_request_error", str(exc))

    @bp.get("/usage_report/messages")
    def usage_report() -> Response:
        return _usage(state)

    @bp.get("/cost_report")
    def cost_report() -> Response:
        return _costs(state)

    return bp


def _buckets(
    state: SimState, width: str, bounds: tuple[int, int]
) -> tuple[list[tuple[datetime, datetime]], str | None]:
    """Buckets of this page: starting_at snapped to the bucket start in UTC; only buckets that
    end at or before ending_at (default: now)."""
    try:
        start = floor_to(parse_rfc3339(request.args["starting_at"]), WIDTHS[width])
        end_raw = request.args.get("ending_at")
        end = parse_rfc3339(end_raw) if end_raw else state.config.effective_now
    except KeyError:
        raise BadRequest("starting_at: field required") from None
    except ValueError:
        raise BadRequest("starting_at/ending_at: invalid RFC 3339 datetime") from None
    default, maximum = bounds
    try:
        limit = int(request.args.get("limit", default))
    except ValueError:
        raise BadRequest("limit: value is not a valid integer") from None
    if not 1 <= limit <= maximum:
        raise BadRequest(f"limit: must be between 1 and {maximum} for bucket_width {width}")
    cursor = start
    if page := request.args.get("page"):
        try:
            cursor = parse_rfc3339(decode_token("page_", page))
        except (ValueError, TypeError, AttributeError):
            raise BadRequest("page: invalid page token") from None
    step = timedelta(seconds=WIDTHS[width])
    buckets: list[tuple[datetime, datetime]] = []
    while cursor + step <= end and len(buckets) < limit:
        buckets.append((cursor, cursor + step))
        cursor += step
    more = cursor + step <= end
    return buckets, (encode_token("page_", fmt_rfc3339(cursor)) if more else None)


def _group_by(allowed: tuple[str, ...]) -> tuple[str, ...]:
    fields = tuple(dict.fromkeys(request.args.getlist("group_by[]")))
    for field in fields:
        if field not in allowed:
            raise BadRequest(f"group_by[]: unsupported value '{field}'")
    return fields


def _keep() -> Callable[[UsageRow], bool]:
    wanted = {dim: set(request.args.getlist(param)) for param, dim in FILTERS.items() if request.args.getlist(param)}
    return lambda row: all(DIMENSIONS[d](row.dims) in v for d, v in wanted.items())


def _envelope(data: list[dict[str, Any]], next_page: str | None) -> Response:
    return json_response({"data": data, "has_more": next_page is not None, "next_page": next_page})


def _usage(state: SimState) -> Response:
    width = request.args.get("bucket_width", "1d")
    if width not in WIDTHS:
        raise BadRequest("bucket_width: must be one of 1d, 1h, 1m")
    buckets, next_page = _buckets(state, width, LIMITS[width])
    group_by, keep = _group_by(tuple(DIMENSIONS)), _keep()
    data = []
    for lo, hi in buckets:
        rows = (r for r in state.dataset.window_rows(PROVIDER, lo, hi) if keep(r))
        totals = aggregate(rows, lambda r: tuple(DIMENSIONS[g](r.dims) for g in group_by))
        results = [_usage_result(dict(zip(group_by, k, strict=False)), totals[k]) for k in sorted(totals, key=sort_key)]
        data.append({"starting_at": fmt_rfc3339(lo), "ending_at": fmt_rfc3339(hi), "results": results})
    return _envelope(data, next_page)


def _usage_result(group: dict[str, Any], usage: Usage) -> dict[str, Any]:
    return {
        **{name: group.get(name) for name in DIMENSIONS},
        "inference_geo": None,
        "uncached_input_tokens": usage.uncached_input,
        "cache_creation": {
            "ephemeral_1h_input_tokens": usage.cache_write_1h,
            "ephemeral_5m_input_tokens": usage.cache_write_5m,
        },
        "cache_read_input_tokens": usage.cached_input,
        "output_tokens": usage.output,
        "server_tool_use": {"web_search_requests": usage.web_search_requests},
    }


def display_name(model: str) -> str:
    """claude-3-5-haiku-20241022 -> "Claude 3.5 Haiku"; claude-sonnet-4-5-2025... -> "Claude Sonnet 4.5"."""
    parts = [p for p in model.split("-") if not re.fullmatch(r"\d{8}", p)]
    words: list[str] = []
    for part in parts:
        if part.isdigit() and words and words[-1][-1].isdigit():
            words[-1] += f".{part}"
        else:
            words.append(part if part.isdigit() else part.capitalize())
    return " ".join(words)


def _description(dims: Dims, category: str) -> dict[str, Any]:
    name = f"{display_name(dims.model)} Usage"
    suffix = " (Batch)" if dims.batch else ""
    suffix += " (Long Context)" if dims.context_window == "200k-1M" else ""
    if category == "web_search":
        return {
            "description": f"{name} - Web Search{suffix}",
            "cost_type": "web_search",
            "context_window": dims.context_window,
            "model": dims.model,
            "service_tier": dims.service_tier,
            "token_type": None,
        }
    token_type, label = TOKEN_TYPES[category]
    return {
        "description": f"{name} - {label}{suffix}",
        "cost_type": "tokens",
        "context_window": dims.context_window,
        "model": dims.model,
        "service_tier": dims.service_tier,
        "token_type": token_type,
    }


def _costs(state: SimState) -> Response:
    if request.args.get("bucket_width", "1d") != "1d":
        raise BadRequest("bucket_width: cost report only supports 1d")
    buckets, next_page = _buckets(state, "1d", LIMITS["1d"])
    group_by = _group_by(COST_GROUP_BY)
    by_description = "description" in group_by
    data = []
    for lo, hi in buckets:
        totals: dict[tuple[Any, ...], Decimal] = {}
        attrs: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in state.dataset.window_rows(PROVIDER, lo, hi):
            if row.dims.service_tier == "priority":  # billed under the Priority Tier commitment
                continue
            for category, (_, usd) in line_costs(PROVIDER, row.dims, row.usage).items():
                desc = _description(row.dims, category) if by_description else {}
                key = (row.dims.project if "workspace_id" in group_by else None, *(desc[f] for f in sorted(desc)))
                totals[key] = totals.get(key, Decimal(0)) + usd
                attrs[key] = {"workspace_id": key[0], **desc}
        results = [
            {
                "currency": "USD",
                "amount": str((totals[k] * CENTS).quantize(AMOUNT_QUANTUM)),
                "workspace_id": attrs[k]["workspace_id"],
                "description": None,
                "cost_type": None,
                "context_window": None,
                "model": None,
                "service_tier": None,
                "token_type": None,
                **{f: attrs[k][f] for f in attrs[k] if f != "workspace_id"},
            }
            for k in sorted(totals, key=sort_key)
        ]
        data.append({"starting_at": fmt_rfc3339(lo), "ending_at": fmt_rfc3339(hi), "results": results})
    return _envelope(data, next_page)
