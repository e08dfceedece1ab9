"""The pipeline endpoints (the routes of the seed's data-pipeline service), independent of any web
framework: ``functions/pipelines/main.py`` and ``genai-costs serve`` hand each request to
:meth:`PipelinesApi.handle`.

    POST /pipelines/run/{org}/genai/payg/{provider}         202: pay-as-you-go ingestion published
    POST /pipelines/run/{org}/genai/commitment/{type}       202: commitment / infrastructure ingestion
    POST /pipelines/run/{org}/genai/unified/consolidate     202: consolidation published
    GET  /pipelines/runs/{org}?flow=&provider=&status=&trigger_id=&since=&until=&covers=&limit=
                                                            200: the ledger, one row per run

POST body (optional JSON object): ``{"start_date": "2025-01-01", "end_date": "2025-04-01",
"dry_run": false}``; no dates = the scheduler's trailing window. Errors answer
``{"error": "..."}``: 400 bad input, 403 another organization than the deployment's, 404 unknown
route or a source this deployment does not enable, 405 wrong method, 413 body too large, 503 the
bus or the warehouse failed (retry).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from .errors import ConfigurationError, GenAICostsError, InvalidOrgSlugError, ValidationError
from .messaging.base import Publisher
from .model.schedules import ScheduledFlow, topic_name
from .orgs import validate_org_slug
from .pipelines.backfill import requested_window
from .pipelines.ledger_query import RunsQuery, list_runs
from .pipelines.trigger import RunTarget, trigger_run
from .settings import Settings
from .warehouse import open_warehouse
from .warehouse.base import Warehouse

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 4096

ROUTES = Map(
    [
        Rule("/pipelines/run/<org>/genai/payg/<source>", endpoint="payg", methods=["POST"]),
        Rule("/pipelines/run/<org>/genai/commitment/<source>", endpoint="commitment", methods=["POST"]),
        Rule("/pipelines/run/<org>/genai/unified/consolidate", endpoint="consolidate", methods=["POST"]),
        Rule("/pipelines/runs/<org>", endpoint="runs", methods=["GET"]),
    ],
    strict_slashes=False,
)


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: dt.date | None = None
    end_date: dt.date | None = None
    dry_run: bool = False


class OrgPinError(GenAICostsError):
    """The request names another organization than the one this deployment serves."""


@dataclass(frozen=True)
class ApiResponse:
    body: dict[str, Any]
    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class PipelinesApi:
    publisher: Callable[[], Publisher]
    warehouse: Callable[[], AbstractContextManager[Warehouse]]
    topic_for: Callable[[ScheduledFlow], str]
    trailing_days: int
    check_org: Callable[[str], None]  # raises OrgPinError (or a ValidationError) for a foreign org
    enabled_sources: frozenset[str] | None = None  # None = every known source
    today: Callable[[], dt.date] = field(default=lambda: dt.datetime.now(dt.UTC).date())

    def handle(self, method: str, path: str, body: bytes, query: Mapping[str, str]) -> ApiResponse:
        try:
            endpoint, values = ROUTES.bind("pipelines").match(path, method=method)
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            return ApiResponse({"error": f"{method} is not allowed here; use {allowed}"}, 405, {"Allow": allowed})
        except NotFound:
            return ApiResponse({"error": f"no such route: {path[:200]}"}, 404)
        except HTTPException as exc:  # e.g. a redirect werkzeug would suggest
            return ApiResponse({"error": exc.description or "bad route"}, exc.code or 400)
        try:
            self.check_org(values["org"])
            if endpoint == "runs":
                return self._runs(values["org"], query)
            return self._run(RunTarget.from_route(values["org"], endpoint, values.get("source")), body)
        except OrgPinError as exc:
            return ApiResponse({"error": str(exc)}, 403)
        except _BodyTooLarge as exc:
            return ApiResponse({"error": str(exc)}, 413)
        except (ValidationError, InvalidOrgSlugError) as exc:
            return ApiResponse({"error": str(exc)}, 400)
        except _NotEnabled as exc:
            return ApiResponse({"error": str(exc)}, 404)
        except GenAICostsError as exc:
            log.exception("pipelines request failed")
            status = 503 if exc.transient else 500
            return ApiResponse({"error": f"{type(exc).__name__}: {exc}"}, status)

    def _run(self, target: RunTarget, raw: bytes) -> ApiResponse:
        if self.enabled_sources is not None and target.source != "all" and target.source not in self.enabled_sources:
            enabled = ", ".join(sorted(self.enabled_sources)) or "none"
            raise _NotEnabled(f"{target.source} is not enabled in this deployment (enabled: {enabled})")
        body = _run_body(raw)
        window = requested_window(body.start_date, body.end_date, today=self.today())
        accepted = trigger_run(
            target,
            window,
            publisher=self.publisher(),
            topic_for=self.topic_for,
            trailing_days=self.trailing_days,
            dry_run=body.dry_run,
        )
        log.info(
            "%s %s/%s: %d message(s) to %s%s",
            target.org_slug,
            target.flow,
            target.source,
            len(accepted.messages),
            accepted.topic,
            " (dry run)" if body.dry_run else "",
        )
        return ApiResponse(accepted.model_dump(mode="json"), 200 if body.dry_run else 202)

    def _runs(self, org_slug: str, query: Mapping[str, str]) -> ApiResponse:
        try:
            filters = RunsQuery.model_validate(dict(query))
        except PydanticValidationError as exc:
            raise ValidationError(_describe(exc)) from exc
        with self.warehouse() as warehouse:
            rows = list_runs(warehouse, org_slug, filters, today=self.today())
        since, until = filters.bounds(self.today())
        return ApiResponse(
            {
                "org_slug": org_slug,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "runs": [r.model_dump(mode="json") for r in rows],
                "truncated": len(rows) == filters.limit,
            },
            200,
        )


class _NotEnabled(GenAICostsError):
    pass


class _BodyTooLarge(ValidationError):
    pass


def _run_body(raw: bytes) -> RunBody:
    if len(raw) > MAX_BODY_BYTES:
        raise _BodyTooLarge(f"request body larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return RunBody()
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(f"request body is not JSON: {type(exc).__name__}") from exc
    if not isinstance(parsed, dict):
        raise ValidationError("request body must be a JSON object")
    try:
        return RunBody.model_validate(parsed)
    except PydanticValidationError as exc:
        raise ValidationError(_describe(exc)) from exc


def _describe(exc: PydanticValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())


def pinned_to(org_slug: str | None) -> Callable[[str], None]:
    """The org check of a deployment that serves ``org_slug`` (None: any valid slug)."""

    def check(requested: str) -> None:
        validate_org_slug(requested)
        if org_slug is not None and requested != org_slug:
            raise OrgPinError(f"this deployment serves organization {org_slug}, not {requested}")

    return check


def deployed_api(settings: Settings, publisher: Callable[[], Publisher]) -> PipelinesApi:
    """The endpoints as the deployed function serves them: Pub/Sub topics named as Terraform
    names them, the BigQuery ledger, the deployment's organization and enabled sources."""
    pinned = settings.org_slug

    def topic_for(flow: ScheduledFlow) -> str:
        if settings.resource_prefix:
            return f"{settings.resource_prefix}-{flow}"
        if pinned is None:
            raise ConfigurationError("set GENAI_COSTS_RESOURCE_PREFIX or GENAI_COSTS_ORG_SLUG to name the topics")
        return topic_name(pinned, flow)

    return PipelinesApi(
        publisher=publisher,
        warehouse=lambda: open_warehouse(settings),
        topic_for=topic_for,
        trailing_days=settings.trailing_days,
        check_org=pinned_to(pinned),
        enabled_sources=settings.enabled_sources,
    )
