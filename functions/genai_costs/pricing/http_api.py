"""Routes of the pricing API (the ``pricing_api`` HTTP function): method and path to a request model
and the catalog operation that serves it. The seed document's route shape, per organization and
provider, for price rows and for subscription rows:

| method | path | does |
|---|---|---|
| POST | ``/api/v1/integrations/{org_slug}/{provider}/pricing`` | create a custom price row |
| GET | ``/api/v1/integrations/{org_slug}/{provider}/pricing`` | list rows (query: model_id, as_of, custom_only, include_disabled) |
| GET | ``/api/v1/integrations/{org_slug}/{provider}/pricing/{pricing_id}`` | one row |
| PUT | ``.../pricing/{pricing_id}`` | replace a custom row's fields (a later ``effective_date``: a new version) |
| PATCH | ``.../pricing/{pricing_id}`` | change the fields given (a later ``effective_date``: a new version) |
| DELETE | ``.../pricing/{pricing_id}`` | disable the row (``is_enabled = false``; rows are kept for the record) |

and the same under ``.../{provider}/subscriptions`` for ``llm_subscriptions``. The caller's identity
(the email claim of the ID token Cloud Run verified before the request arrived) is the audit row's actor;
an optional ``reason`` (body or query) is kept with it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from pydantic import BaseModel

from ..warehouse.base import Warehouse
from .catalog_api import (
    CatalogApi,
    Change,
    CreatePrice,
    CreateSubscription,
    Kind,
    ListRequest,
    RowRequest,
    UpdatePrice,
    UpdateSubscription,
)
from .corrections import reprice_change, summary
from .store import CatalogStore

_PATH = re.compile(
    r"^/api/v1/integrations/(?P<org_slug>[^/]+)/(?P<provider>[^/]+)/(?P<kind>pricing|subscriptions)"
    r"(?:/(?P<row_id>[^/]+))?/?$"
)
_RESERVED = ("org_slug", "provider", "row_id", "actor", "replace")


class RouteError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Call:
    """What a request asks for: the payload to validate, its model, and the work on a warehouse."""

    payload: dict[str, Any]
    model: type[BaseModel]
    work: Callable[[Warehouse, BaseModel], BaseModel]


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON body with numbers kept exact (never through float); an empty body is ``{}``."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise RouteError(f"request body is not valid JSON: {exc}", 400) from exc
    if not isinstance(body, dict):
        raise RouteError("request body must be a JSON object", 400)
    return body


def caller_identity(authorization: str | None) -> str:
    """The email claim of the bearer ID token (already verified by Cloud Run's IAM check), else 'unknown'.

    Only the claim is read; the token itself is never logged or stored."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return "unknown"
    parts = authorization[7:].strip().split(".")
    if len(parts) != 3:
        return "unknown"
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return "unknown"
    email = claims.get("email") if isinstance(claims, dict) else None
    return email if isinstance(email, str) and email else "unknown"


def route(method: str, path: str, query: Mapping[str, str], body: dict[str, Any], *, actor: str) -> Call:
    match = _PATH.match(path)
    if match is None:
        raise RouteError(f"no such route: {path}", 404)
    for name in _RESERVED:
        if name in body:
            raise RouteError(f"'{name}' comes from the path or the caller's identity, not the body", 400)
    kind = cast(Kind, match["kind"])
    row_id = match["row_id"]
    base = {"org_slug": match["org_slug"], "provider": match["provider"]}
    method = method.upper()
    pricing = kind == "pricing"

    def api(wh: Warehouse, request: BaseModel) -> CatalogApi:
        return CatalogApi(wh, cast(Any, request).org_slug)

    def repriced(wh: Warehouse, request: BaseModel, change: Change) -> Change:
        """A price row written re-prices the past days it covers (corrections for closed months)."""
        if not pricing or change.action == "unchanged":
            return change
        org_slug = cast(Any, request).org_slug
        stored = {r["pricing_id"]: r for r in CatalogStore(wh, org_slug).pricing_rows(change.row["provider"])}
        row = stored.get(change.row["pricing_id"], change.row)
        previous = stored.get(change.previous["pricing_id"], change.previous) if change.previous else None
        result = reprice_change(wh, org_slug, row, previous)
        return change.model_copy(update={"repricing": summary(result)})

    if row_id is None and method == "GET":
        return Call({**base, **query}, ListRequest, lambda wh, r: api(wh, r).list_rows(kind, cast(ListRequest, r)))
    if row_id is None and method == "POST":
        model: type[BaseModel] = CreatePrice if pricing else CreateSubscription
        return Call(
            {**base, **body, "actor": actor},
            model,
            lambda wh, r: repriced(wh, r, api(wh, r).create(kind, cast(Any, r))),
        )
    if row_id is not None and method == "GET":
        return Call({**base, "row_id": row_id}, RowRequest, lambda wh, r: api(wh, r).get_row(kind, cast(RowRequest, r)))
    if row_id is not None and method in ("PUT", "PATCH"):
        model = UpdatePrice if pricing else UpdateSubscription
        payload = {**base, **body, "row_id": row_id, "actor": actor, "replace": method == "PUT"}
        return Call(payload, model, lambda wh, r: repriced(wh, r, api(wh, r).update(kind, cast(Any, r))))
    if row_id is not None and method == "DELETE":
        payload = {**base, "row_id": row_id, "actor": actor, **query, **body}
        return Call(payload, RowRequest, lambda wh, r: repriced(wh, r, api(wh, r).disable(kind, cast(RowRequest, r))))
    allowed = "GET, POST" if row_id is None else "GET, PUT, PATCH, DELETE"
    raise RouteError(f"{method} is not allowed on {path} (allowed: {allowed})", 405)
