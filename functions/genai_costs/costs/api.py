"""The routes of the private HTTP function ``costs``, independent of any web framework
(functions/costs/main.py hands each request to :meth:`CostsApi.handle`).

    GET  /costs                    the cost report (genai_costs.costs.report)
    GET  /costs/estimate           cost estimate per model from the organization's history
    GET  /costs/reconciliation     usage events against the providers' data, per grain
    GET  /costs/recommendations    savings recommendations
    POST /costs/billing-imports    a billing export CSV as the body (?provider=openai&file_name=x.csv)

Each route also answers under ``/{org}/costs...``; without the prefix the organization is the one the
deployment serves (GENAI_COSTS_ORG_SLUG). Answers are ``{"success": true, "data": {...}}``; errors
``{"success": false, "error": "..."}``: 400 bad parameters (nothing is queried), 403 another organization
than the deployment's, 404 unknown route or organization, 405 wrong method, 413 upload too large, 503 the
warehouse failed (retry). Money is an exact decimal string, never a JSON number."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from ..errors import GenAICostsError, NotFoundError, OrgNotServedError, RequestTooLargeError, ValidationError
from ..orgs import dataset_for, validate_org_slug
from ..providers.ids import PROVIDERS
from ..reconciliation.billing_import import BillingImportError, import_export
from ..redaction import redact
from ..warehouse.base import Warehouse
from .estimate_api import EstimateQuery, estimate_report
from .query import CostQuery, PeriodQuery
from .readouts import recommendations, reconciliation
from .report import cost_report

log = logging.getLogger(__name__)
MAX_IMPORT_BYTES = 10_000_000  # a month of an OpenAI cost export is well under 1 MB
MULTI_VALUED = frozenset({"tech_stack"})  # the guide's ?tech_stack=Python&tech_stack=FastAPI

_ENDPOINTS = {
    "": ("report", ["GET"]),
    "/estimate": ("estimate", ["GET"]),
    "/reconciliation": ("reconciliation", ["GET"]),
    "/recommendations": ("recommendations", ["GET"]),
    "/billing-imports": ("billing_import", ["POST"]),
}
ROUTES = Map(
    [Rule(f"/costs{tail}", endpoint=name, methods=methods) for tail, (name, methods) in _ENDPOINTS.items()]
    + [Rule(f"/<org>/costs{tail}", endpoint=name, methods=methods) for tail, (name, methods) in _ENDPOINTS.items()],
    strict_slashes=False,
)


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    provider: str = "openai"
    file_name: str = Field("upload.csv", min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f/\\]+$")


class RecommendationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class ApiResponse:
    body: dict[str, Any]
    status: int
    headers: dict[str, str] = field(default_factory=dict)


def _error(message: str, status: int, **extra: Any) -> ApiResponse:
    return ApiResponse({"success": False, "error": message, **extra}, status)


def describe(exc: PydanticValidationError) -> str:
    """Every problem, named by its parameter: 'end_date: Input should be a valid date ...'."""
    parts = []
    for e in exc.errors():
        message = "unknown parameter" if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, ")
        where = ".".join(map(str, e["loc"]))
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parameters(model: type[BaseModel], query: Mapping[str, Sequence[str]]) -> Any:
    """The query string as ``model``; a ValidationError naming every problem (unknown, repeated, invalid)."""
    values: dict[str, Any] = {}
    for name, given in query.items():
        if name in MULTI_VALUED:
            values[name] = list(given)
        elif len(given) != 1:
            raise ValidationError(f"{name}: give it once")
        else:
            values[name] = given[0]
    try:
        return model.model_validate(values)
    except PydanticValidationError as exc:
        raise ValidationError(describe(exc)) from None


def read_upload(stream: IO[bytes], content_length: int | None) -> bytes:
    if content_length is not None and content_length > MAX_IMPORT_BYTES:
        raise RequestTooLargeError(f"upload of {content_length} bytes is over the {MAX_IMPORT_BYTES} bytes allowed")
    raw = stream.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise RequestTooLargeError(f"upload is over the {MAX_IMPORT_BYTES} bytes allowed")
    if not raw.strip():
        raise ValidationError("the request body is empty: send the billing export CSV as the body")
    return raw


@dataclass
class CostsApi:
    warehouse: Callable[[], AbstractContextManager[Warehouse]]
    pinned_org: str | None = None  # the one organization the deployment serves (None: any, named in the path)
    today: Callable[[], dt.date] = field(default=lambda: dt.datetime.now(dt.UTC).date())

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, Sequence[str]],
        body: IO[bytes] | None = None,
        content_length: int | None = None,
    ) -> ApiResponse:
        try:
            endpoint, values = ROUTES.bind("costs").match(path, method=method)
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            return ApiResponse(
                {"success": False, "error": f"{method} is not allowed here; use {allowed}"}, 405, {"Allow": allowed}
            )
        except NotFound:
            return _error(f"no such route: {path[:200]}", 404)
        except HTTPException as exc:
            return _error(exc.description or "bad route", exc.code or 400)
        try:
            org = self._org(values.get("org"))
            work = self._prepare(endpoint, query, body, content_length)  # every check before any query
            with self.warehouse() as warehouse:
                if not warehouse.dataset_exists(dataset_for(org)):
                    raise NotFoundError(f"organization {org} is not onboarded")
                return ApiResponse({"success": True, "data": work(warehouse, org)}, 200)
        except OrgNotServedError as exc:
            return _error(str(exc), 403)
        except RequestTooLargeError as exc:
            return _error(str(exc), 413)
        except BillingImportError as exc:
            lines = [{"line": e.line, "message": e.message} for e in exc.errors]
            return _error(str(exc), 400, errors=lines)
        except ValidationError as exc:
            return _error(str(exc), exc.http_status)
        except GenAICostsError as exc:
            log.exception("costs request failed")
            if exc.transient:
                return ApiResponse(
                    {"success": False, "error": f"temporarily unavailable, retry: {redact(str(exc))}"},
                    503,
                    {"Retry-After": "5"},
                )
            return _error(f"{type(exc).__name__}: {redact(str(exc))}", 500)

    def _org(self, named: str | None) -> str:
        if named is None:
            if self.pinned_org is None:
                raise ValidationError("this deployment serves no single organization: call /{org}/costs...")
            return self.pinned_org
        org = validate_org_slug(named)
        if self.pinned_org is not None and org != self.pinned_org:
            raise OrgNotServedError(f"this deployment serves organization {self.pinned_org}, not {org}")
        return org

    def _prepare(
        self, endpoint: str, query: Mapping[str, Sequence[str]], body: IO[bytes] | None, content_length: int | None
    ) -> Callable[[Warehouse, str], dict[str, Any]]:
        """The validated request as the work to run on the warehouse."""
        today = self.today()
        if endpoint == "report":
            costs = parameters(CostQuery, query)
            return lambda wh, org: cost_report(wh, org, costs, today=today).model_dump(mode="json")
        if endpoint == "estimate":
            asked = parameters(EstimateQuery, query)
            return lambda wh, org: estimate_report(wh, org, asked, today=today).model_dump(mode="json")
        if endpoint == "reconciliation":
            start, end = parameters(PeriodQuery, query).period(today)
            return lambda wh, org: reconciliation(wh, org, start, end)
        if endpoint == "recommendations":
            parameters(RecommendationsQuery, query)
            return recommendations
        upload = parameters(ImportQuery, query)
        if upload.provider not in PROVIDERS:
            raise ValidationError(f"provider: must be one of {', '.join(PROVIDERS)}")
        content = read_upload(body, content_length) if body is not None else b""
        if not content:
            raise ValidationError("the request body is empty: send the billing export CSV as the body")

        def run_import(wh: Warehouse, org: str) -> dict[str, Any]:
            result = import_export(
                wh, dataset_for(org), content, org_slug=org, provider=upload.provider, file_name=upload.file_name
            )
            return {
                "import_id": result.import_id,
                "file_name": upload.file_name,
                "provider": upload.provider,
                "rows_in_file": result.rows_in_file,
                "rows_added": result.rows_added,
                "columns": result.columns,
            }

        return run_import
