"""WSGI app factory: every provider under its own path prefix, plus /_sim admin endpoints."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, g, request

from provider_sim import anthropic, aws, azure, azure_prices, channels, gcp, openai
from provider_sim.config import SimConfig
from provider_sim.faults import REPEATABLE, CursorAliases, Fault
from provider_sim.http import decode_token, encode_token, json_response
from provider_sim.state import SimState, Surface
from provider_sim.timeutil import fmt_rfc3339

SURFACES = (
    Surface("/openai/", "openai", openai.ERRORS),
    Surface("/anthropic/", "anthropic", anthropic.ERRORS),
    Surface("/azure/", "azure", azure.ERRORS),
    Surface("/aws/cloudwatch", "aws", aws.CLOUDWATCH_ERRORS),
    Surface("/aws/ce", "aws", aws.CE_ERRORS),
    Surface("/aws/bedrock", "aws", aws.BEDROCK_ERRORS),
    Surface("/aws/logs", "aws", aws.CE_ERRORS),
    Surface("/azure-prices/", "azure", azure_prices.ERRORS),
    Surface("/gcp/bigquery/", "gcp", gcp.BIGQUERY_ERRORS),
    Surface("/gcp/", "gcp", gcp.MONITORING_ERRORS),
    *channels.SURFACES,
)


def _surface(path: str) -> Surface | None:
    return next((s for s in SURFACES if path.startswith(s.prefix)), None)


def _resolving_aliases(wsgi_app: Callable[..., Iterable[bytes]], aliases: CursorAliases) -> Callable[..., Any]:
    """WSGI middleware: a cursor handed out by a ``repeat`` fault is swapped for the cursor it stands for
    before the request is routed, so the provider modules never see it."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        if CursorAliases.PREFIX in query:
            pairs = []
            for key, value in parse_qsl(query, keep_blank_values=True):
                is_alias, original = aliases.resolve(value)
                if not is_alias:
                    pairs.append((key, value))
                elif original is not None:
                    pairs.append((key, original))
            environ["QUERY_STRING"] = urlencode(pairs)
        return wsgi_app(environ, start_response)

    return middleware


def _repeat_page(response: Response, surface: Surface, aliases: CursorAliases) -> None:
    """Point this page's next cursor at a fresh alias of its own cursor: the page comes again."""
    style = REPEATABLE.get(surface.provider)
    if style is None or surface.prefix == "/gcp/bigquery/" or response.status_code != 200:
        return
    body = json.loads(response.get_data())
    if not isinstance(body, dict):
        return
    body[style.next_field] = aliases.issue(request.args.get(style.param))
    if style.more_field:
        body[style.more_field] = True
    response.set_data(json.dumps(body))


def create_app(config: SimConfig | None = None) -> Flask:
    state = SimState(config or SimConfig())
    app = Flask("provider_sim")
    app.config["SIM_STATE"] = state
    aliases = CursorAliases()
    app.wsgi_app = _resolving_aliases(app.wsgi_app, aliases)  # type: ignore[method-assign]

    @app.before_request
    def _inject_fault() -> Response | None:
        surface = _surface(request.path)
        g.surface, g.fault = surface, None
        if surface is None:
            return None
        fault = state.faults.pop(surface.provider)
        g.fault = fault
        if fault is None or fault.kind in ("ok", "truncated", "repeat"):
            return None
        if fault.kind == "slow":
            time.sleep((fault.ms if fault.ms is not None else state.config.slow_ms) / 1000)
            return None
        if fault.kind == "429":
            return surface.errors.throttled()
        if fault.kind == "500":
            return surface.errors.server_error()
        if fault.kind == "gone":
            return surface.errors.gone()
        return surface.errors.auth(expired=True)

    @app.after_request
    def _finish(response: Response) -> Response:
        surface, fault = g.get("surface"), g.get("fault")
        if fault is not None and fault.kind == "truncated" and response.status_code == 200:
            body = response.get_data()
            response.set_data(body[: len(body) // 2])
        if fault is not None and fault.kind == "repeat" and surface is not None:
            _repeat_page(response, surface, aliases)
        if not request.path.startswith("/_sim/"):
            state.log.add(
                request.method,
                channels.public_path(request.path),
                surface.provider if surface else None,
                response.status_code,
                fault.kind if fault else None,
                request.args.to_dict(flat=False),
                request.headers.get,
            )
        return response

    for module in (openai, anthropic, azure, azure_prices, aws, gcp):
        app.register_blueprint(module.create_blueprint(state))
    app.register_blueprint(channels.create_blueprint(state))
    _register_admin(app, state)
    return app


def _register_admin(app: Flask, state: SimState) -> None:
    @app.post("/_sim/faults")
    def add_faults() -> Response:
        body = request.get_json(force=True)
        try:
            faults = [Fault.parse(raw) for raw in body.get("faults", [])]
            state.faults.add(str(body.get("provider")), faults)
        except (ValueError, KeyError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"pending": state.faults.pending()})

    @app.get("/_sim/faults")
    def list_faults() -> Response:
        return json_response({"pending": state.faults.pending()})

    @app.delete("/_sim/faults")
    def clear_faults() -> Response:
        state.faults.clear()
        return json_response({"pending": {}})

    @app.post("/_sim/revision")
    def bump_revision() -> Response:
        body = request.get_json(silent=True) or {}
        state.dataset.revision = int(body.get("revision", state.dataset.revision + 1))
        return json_response({"revision": state.dataset.revision})

    @app.get("/_sim/requests")
    def request_log() -> Response:
        return json_response({"requests": state.log.entries()})

    @app.get("/_sim/traffic")
    def traffic() -> Response:
        """The applications' requests to record_usage, in send order, a page at a time (provider_sim.traffic)."""
        try:
            start = int(decode_token("traffic_", request.args["page_token"])) if "page_token" in request.args else 0
            size = int(request.args.get("page_size", 200))
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        if not 1 <= size <= 1000:
            return json_response({"error": "page_size must be between 1 and 1000"}, 400)
        deliveries = state.deliveries()
        page = [
            {"sent_at": fmt_rfc3339(d.sent_at), "source": d.source, "resend": d.resend, "body": d.body()}
            for d in deliveries[start : start + size]
        ]
        more = start + size < len(deliveries)
        return json_response(
            {"deliveries": page, "next_page_token": encode_token("traffic_", start + size) if more else None}
        )

    @app.get("/_sim/traffic/summary")
    def traffic_summary() -> Response:
        """What the traffic holds: calls, those never recorded, late, resent, miscounted (ground truth)."""
        summary = state.traffic.summary(state.deliveries())
        return json_response(
            {
                "window": {"start": fmt_rfc3339(state.traffic.start), "end": fmt_rfc3339(state.traffic.end)},
                "scopes": {
                    p: sorted([list(pair) for pair in pairs], key=str) for p, pairs in state.traffic.scopes.items()
                },
                **summary.__dict__,
            }
        )

    @app.delete("/_sim/requests")
    def clear_request_log() -> Response:
        state.log.clear()
        return json_response({"requests": []})
