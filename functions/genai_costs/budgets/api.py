"""The private HTTP API of budgets (Cloud Function ``budgets``; the CLI calls the same functions).

    GET    /{org}/budgets                      every budget (enabled and paused)
    POST   /{org}/budgets                      create: a BudgetDefinition                     -> 201
    GET    /{org}/budgets/{id}                 one budget
    PATCH  /{org}/budgets/{id}                 change: a BudgetChange; header If-Match: <version> to
                                               refuse a change based on an older read       -> 409
    POST   /{org}/budgets/{id}/pause           stop evaluating it (no alerts)
    POST   /{org}/budgets/{id}/resume
    DELETE /{org}/budgets/{id}                 its history and alerts stay
    GET    /{org}/budgets/{id}/status          within / warning / exceeded for gateways (latest status row)
    GET    /{org}/alerts?hours=24              alerts raised recently and how their delivery went

Bad input gets 400 with every problem named and nothing written; an unknown budget 404; a
concurrent or stale change 409. Money is a decimal string in and out (a JSON number is accepted
and read as an exact decimal, never a float).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from ..errors import GenAICostsError, ValidationError
from ..orgs import dataset_for, validate_org_slug
from ..paths import sql_root
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from .gateway import DEFAULT_INTERVAL, status_of
from .ledger import percent_text
from .model import BudgetChange, BudgetDefinition
from .store import (
    BudgetConflictError,
    BudgetNotFoundError,
    change_budget,
    create_budget,
    delete_budget,
    get_budget,
    list_budgets,
)

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 100_000
_ROUTE = re.compile(r"^/?(?P<org>[^/]+)/(?P<collection>budgets|alerts)(?:/(?P<id>[^/]+)(?:/(?P<action>[a-z]+))?)?/?$")

Response = tuple[dict[str, Any], int]


def describe(exc: PydanticValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())


def parse_body(raw: bytes | str | None) -> Any:
    """JSON with numbers as exact decimals; a problem is a ValidationError naming it."""
    if raw is None or raw in (b"", ""):
        return None
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationError(f"request body larger than {MAX_BODY_BYTES} bytes")

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number")

    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=no_constant)
    except ValueError as exc:
        raise ValidationError(f"request body is not valid JSON: {exc}") from None


def _model(model: type[BaseModel], body: Any) -> Any:
    if not isinstance(body, dict):
        raise ValidationError("request body must be a JSON object")
    try:
        return model.model_validate(body)
    except PydanticValidationError as exc:
        raise ValidationError(describe(exc)) from None


def _version(headers: Mapping[str, str]) -> int | None:
    raw = next((v for k, v in headers.items() if k.lower() == "if-match"), None)
    if raw is None:
        return None
    text = raw.strip().strip('"')
    if not text.isdigit():
        raise ValidationError("If-Match must be the budget version you read, e.g. If-Match: 3")
    return int(text)


def _dump(model: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


def handle(
    method: str,
    path: str,
    *,
    warehouse: Warehouse,
    body: bytes | str | None = None,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    interval: dt.timedelta = DEFAULT_INTERVAL,
) -> Response:
    """One request: (JSON body, HTTP status)."""
    try:
        return _route(method.upper(), path, warehouse, body, query or {}, headers or {}, now(), interval)
    except BudgetNotFoundError as exc:
        return {"error": str(exc)}, 404
    except BudgetConflictError as exc:
        return {"error": str(exc)}, 409
    except ValidationError as exc:
        return {"error": str(exc)}, 400
    except GenAICostsError as exc:
        log.error("budgets API request failed: %s", exc)
        return {"error": f"{type(exc).__name__}: {exc}"}, 503 if exc.transient else 500


def _route(
    method: str,
    path: str,
    warehouse: Warehouse,
    body: bytes | str | None,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    now: dt.datetime,
    interval: dt.timedelta,
) -> Response:
    match = _ROUTE.match(path)
    if not match:
        return {"error": f"no such route: {method} {path[:100]}"}, 404
    org = validate_org_slug(match["org"])
    dataset = dataset_for(org)
    if not warehouse.dataset_exists(dataset):
        raise BudgetNotFoundError(f"organization {org} is not onboarded")
    budget_id, action = match["id"], match["action"]
    if match["collection"] == "alerts":
        if method != "GET" or budget_id:
            return {"error": f"{method} {path[:100]} is not supported"}, 405
        return {"alerts": recent_alerts(warehouse, dataset, now=now, hours=_hours(query))}, 200
    if budget_id is None:
        if method == "GET":
            return {"budgets": [_dump(b) for b in list_budgets(warehouse, dataset)]}, 200
        if method == "POST":
            definition = _model(BudgetDefinition, parse_body(body))
            return _dump(create_budget(warehouse, dataset, org, definition, now=now)), 201
        return {"error": f"{method} is not supported on budgets"}, 405
    routes: dict[tuple[str, str | None], Callable[[], Response]] = {
        ("GET", None): lambda: (_dump(get_budget(warehouse, dataset, budget_id)), 200),
        ("PATCH", None): lambda: (
            _dump(
                change_budget(
                    warehouse,
                    dataset,
                    budget_id,
                    _model(BudgetChange, parse_body(body)),
                    now=now,
                    expected_version=_version(headers),
                )
            ),
            200,
        ),
        ("DELETE", None): lambda: (_dump(delete_budget(warehouse, dataset, budget_id, now=now)), 200),
        ("POST", "pause"): lambda: (
            _dump(change_budget(warehouse, dataset, budget_id, BudgetChange(enabled=False), now=now)),
            200,
        ),
        ("POST", "resume"): lambda: (
            _dump(change_budget(warehouse, dataset, budget_id, BudgetChange(enabled=True), now=now)),
            200,
        ),
        ("GET", "status"): lambda: (
            _dump(status_of(warehouse, dataset, budget_id, now=now, interval=interval)),
            200,
        ),
    }
    work = routes.get((method, action))
    if work is None:
        return {"error": f"{method} {path[:100]} is not supported"}, 405
    return work()


def _hours(query: Mapping[str, str]) -> int:
    raw = query.get("hours", "24")
    if not raw.isdigit() or not 1 <= int(raw) <= 24 * 400:
        raise ValidationError("hours must be a whole number from 1 to 9600")
    return int(raw)


def recent_alerts(warehouse: Warehouse, dataset: str, *, now: dt.datetime, hours: int = 24) -> list[dict[str, Any]]:
    rows = warehouse.query(
        dataset, load_statement(sql_root(), "alerts_recent"), {"p_since": now - dt.timedelta(hours=hours)}
    )
    out = []
    for r in rows:
        if r["threshold_percent"] is not None:
            r["threshold_percent"] = percent_text(r["threshold_percent"])
        out.append({k: _json(v) for k, v in r.items()})
    return out


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
