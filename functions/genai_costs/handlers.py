"""What every Cloud Function entry point shares: decode, validate, run, and map failure to the
platform's contract (raise = Pub/Sub redelivers; return = acknowledged; an HTTP status for requests).

Before any work, every event and request passes the same gate, so a new function gets it for free:

- the **org pin** (:func:`check_org_pin`): a deployment with ``GENAI_COSTS_ORG_SLUG`` serves that
  organization only; a message or request naming another is rejected before anything is read or
  written for it;
- Pub/Sub events: a body that is not the message model, an event ``time`` (or, when empty, the
  message ``publishTime``) that is malformed, or an age over ``max_message_age_seconds``;
- HTTP requests: the allowed methods (405 with ``Allow``), the body size (413) and JSON nesting depth
  (400).

A rejected event or request is never retried (acknowledged / 4xx) and leaves a ``rejected`` row with the
reason in the ledger of the organization the deployment serves (the pinned one; unpinned, the one the
message names when it exists). Failures of the work itself keep their transient / permanent mapping; the
run skeleton has already recorded them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import IO, Any, Protocol, TypeVar

from cloudevents.http import CloudEvent
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from .errors import (
    ExpiredEventError,
    GenAICostsError,
    MalformedEventError,
    OrgNotServedError,
    RequestTooLargeError,
    ValidationError,
)
from .events.recording import caller_identity, read_body, record_batch
from .httpbody import read_json_body
from .logs import configure_logging, redact
from .messaging.base import Publisher
from .messaging.cloudevents import decode_pubsub_payload, event_time
from .model.usage_event import BatchRejected
from .model.window import Window
from .orgs import dataset_for, validate_org_slug
from .runs.ledger import record_rejection
from .settings import Settings
from .warehouse import open_warehouse

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
HttpResponse = tuple[dict[str, Any], int, dict[str, str]]


class HttpRequest(Protocol):
    """What the handler reads from a request (a flask.Request is one)."""

    @property
    def method(self) -> str: ...
    @property
    def content_length(self) -> int | None: ...
    @property
    def stream(self) -> IO[bytes]: ...


def _describe(exc: PydanticValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())


def check_org_pin(settings: Settings, org_slug: object) -> None:
    """The org pin, one check for every entry point: OrgNotServedError when this deployment is pinned to
    an organization and ``org_slug`` names another (or none)."""
    pinned = settings.org_slug
    if pinned and org_slug != pinned:
        shown = repr(org_slug)[:60] if org_slug is not None else "no organization"
        raise OrgNotServedError(f"this deployment serves organization {pinned} only; rejected {shown}")


def _served_org(settings: Settings, payload: Mapping[str, Any] | None) -> str | None:
    """Whose ledger records a rejection: the pinned organization, else the one the payload names."""
    if settings.org_slug:
        return settings.org_slug
    try:
        return validate_org_slug((payload or {}).get("org_slug"))
    except ValidationError:
        return None


def _subject(payload: Mapping[str, Any] | None, flow: str) -> str:
    payload = payload or {}
    named = payload.get("provider") or payload.get("commitment_type")
    if isinstance(named, str) and named:
        return named[:64]
    return "all" if flow == "consolidate" else "unknown"


def _window(message: BaseModel | None, settings: Settings, today: dt.date) -> Window:
    window = getattr(message, "window", None)
    if callable(window):
        try:
            found = window(today, settings.trailing_days)
            if isinstance(found, Window):
                return found
        except (ValueError, GenAICostsError):
            pass
    return Window(start=today, end=today + dt.timedelta(days=1))


def _reject(
    settings: Settings,
    exc: ValidationError,
    *,
    flow: str,
    trigger_id: str | None,
    payload: Mapping[str, Any] | None,
    message: BaseModel | None,
    today: dt.date,
) -> None:
    """Log the rejection and record it in the served organization's ledger (best effort: a ledger that
    cannot be written never turns a rejection into a retry)."""
    reason = redact(str(exc))
    log.error("rejected %s %s (%s): %s", flow, trigger_id or "request", type(exc).__name__, reason)
    org = _served_org(settings, payload)
    if org is None:
        return
    try:
        with open_warehouse(settings) as warehouse:
            if not warehouse.dataset_exists(dataset_for(org)):
                return
            record_rejection(
                warehouse,
                org,
                flow=flow,
                provider=_subject(payload, flow),
                window=_window(message, settings, today),
                trigger_id=trigger_id,
                error=reason,
                error_kind=type(exc).__name__,
            )
    except Exception as failure:
        log.error("could not record the rejection of %s in %s's ledger: %s", trigger_id, org, redact(str(failure)))


def _check_event(event: CloudEvent, model: type[M], settings: Settings, now: dt.datetime, holder: dict[str, Any]) -> M:
    """The validated message; ``holder`` keeps what was decoded so far, for the rejection row."""
    payload = decode_pubsub_payload(event)
    holder["payload"] = payload
    check_org_pin(settings, payload.get("org_slug"))
    try:
        message = model.model_validate(payload)
    except PydanticValidationError as exc:
        raise MalformedEventError(f"not a valid message: {_describe(exc)}") from None
    holder["message"] = message
    age = (now - event_time(event)).total_seconds()
    if age > settings.max_message_age_seconds:
        raise ExpiredEventError(
            f"published {age:.0f}s ago, older than the {settings.max_message_age_seconds}s a message is kept"
        )
    return message


def handle_pubsub_event(
    event: CloudEvent,
    model: type[M],
    work: Callable[[M], object],
    *,
    settings: Settings,
    flow: str | None = None,
    now: dt.datetime | None = None,
) -> object:
    """``flow`` names the entry point in a rejection's ledger row (default: from the model's name)."""
    configure_logging(settings.log_level)
    flow = flow or model.__name__.removesuffix("Message").lower() or "event"
    now = now or dt.datetime.now(dt.UTC)
    trigger_id = str(event["id"]) if event.get("id") else None
    decoded: dict[str, Any] = {}
    try:
        message = _check_event(event, model, settings, now, decoded)
    except ValidationError as exc:
        payload, parsed = decoded.get("payload"), decoded.get("message")
        _reject(settings, exc, flow=flow, trigger_id=trigger_id, payload=payload, message=parsed, today=now.date())
        return None
    try:
        return work(message)
    except GenAICostsError as exc:
        if exc.transient:
            log.warning("transient failure on %s, asking for redelivery: %s", trigger_id, exc)
            raise
        log.error("permanent failure on %s, acknowledging: %s", trigger_id, exc)
        return None


def handle_json_request(
    request: HttpRequest,
    model: type[M],
    work: Callable[[M], BaseModel],
    *,
    settings: Settings,
    flow: str,
    methods: tuple[str, ...] = ("POST",),
) -> HttpResponse:
    """HTTP variant: 405 for another method, 413 / 400 for a body that is too large, too deep or not the
    request model (404 / 409 for a missing or conflicting row), 403 for another organization than the pinned
    one, 200 with the result's JSON; 503 (retry)
    or 500 when the work fails, with a message and never an engine's raw error."""
    configure_logging(settings.log_level)
    if request.method not in methods:
        allowed = ", ".join(methods)
        return {"error": f"method {request.method} not allowed: use {allowed}"}, 405, {"Allow": allowed}
    body: Any = None
    try:
        body = read_json_body(
            request.stream,
            request.content_length,
            max_bytes=settings.max_request_bytes,
            max_depth=settings.max_json_depth,
        )
    except RequestTooLargeError as exc:
        return {"error": str(exc)}, 413, {}
    except ValidationError as exc:
        return {"error": str(exc)}, exc.http_status, {}
    return respond_json(body, model, work, settings=settings, flow=flow)


def respond_json(
    body: Any, model: type[M], work: Callable[[M], BaseModel], *, settings: Settings, flow: str
) -> HttpResponse:
    """The answer to a decoded JSON request body: 400 unless it is an object of the request model,
    403 for another organization than the pinned one, 404 / 409 for a missing or conflicting row,
    200 with the result's JSON; 503 (retry) or 500 when the work fails, never an engine's raw error."""
    try:
        if not isinstance(body, dict):
            raise ValidationError("request body must be a JSON object")
        check_org_pin(settings, body.get("org_slug"))
    except OrgNotServedError as exc:
        _reject(
            settings, exc, flow=flow, trigger_id=None, payload=body, message=None, today=dt.datetime.now(dt.UTC).date()
        )
        return {"error": str(exc)}, 403, {}
    except ValidationError as exc:
        return {"error": str(exc)}, exc.http_status, {}
    try:
        parsed = model.model_validate(body)
    except PydanticValidationError as exc:
        return {"error": _describe(exc)}, 400, {}
    try:
        return work(parsed).model_dump(mode="json"), 200, {}
    except ValidationError as exc:
        return {"error": str(exc)}, exc.http_status, {}
    except GenAICostsError as exc:
        log.exception("request failed")
        if exc.transient:
            return {"error": f"temporarily unavailable, retry: {redact(str(exc))}"}, 503, {"Retry-After": "5"}
        return {"error": f"{type(exc).__name__}: {redact(str(exc))}"}, 500, {}
    except Exception:
        log.exception("request failed")
        return {"error": "internal error (see the function's logs)"}, 500, {}


def handle_usage_request(
    stream: IO[bytes],
    content_length: int | None,
    authorization: str | None,
    *,
    publisher: Callable[[], Publisher],
    settings: Settings,
    now: dt.datetime | None = None,
) -> HttpResponse:
    """record_usage over HTTP: 200 / 207 with one result per event; 400 / 413 for an unusable request
    and 503 (with Retry-After) when publishing failed, both storing nothing."""
    configure_logging(settings.log_level)
    received_at = now or dt.datetime.now(dt.UTC)
    # The platform verified the bearer token of a private Cloud Function; embedded, nobody did.
    caller = caller_identity(authorization) if settings.backend == "bigquery" else None
    try:
        body = read_body(stream, content_length)
        response = record_batch(
            body, received_at=received_at, caller=caller, publisher=publisher, topic=settings.usage_events_topic
        )
    except BatchRejected as exc:
        return {"error": str(exc)}, exc.http_status, {}
    except GenAICostsError as exc:
        if exc.transient:
            return {"error": redact(str(exc))}, 503, {"Retry-After": str(_RETRY_AFTER_SECONDS)}
        log.error("record_usage failed: %s", redact(str(exc)))
        return {"error": f"{type(exc).__name__}: {redact(str(exc))}"}, 500, {}
    except Exception:
        log.exception("record_usage failed")
        return {"error": "internal error (see the function's logs)"}, 500, {}
    return response.model_dump(mode="json"), response.http_status, {}


_RETRY_AFTER_SECONDS = 5
