"""What every Cloud Function entry point shares: decode, validate, run, and map failure to
the platform's contract (raise = Pub/Sub redelivers; return = acknowledged)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import IO, Any, TypeVar

from cloudevents.http import CloudEvent
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from .errors import GenAICostsError, ValidationError
from .events.recording import caller_identity, read_body, record_batch
from .logs import configure_logging
from .messaging.base import Publisher
from .messaging.cloudevents import decode_pubsub_payload, event_time
from .model.usage_event import BatchRejected
from .settings import Settings

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def _describe(exc: PydanticValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())


def handle_pubsub_event(
    event: CloudEvent,
    model: type[M],
    work: Callable[[M], object],
    *,
    settings: Settings,
    now: dt.datetime | None = None,
) -> object:
    configure_logging(settings.log_level)
    published = event_time(event)
    now = now or dt.datetime.now(dt.UTC)
    if published and (now - published).total_seconds() > settings.max_message_age_seconds:
        log.error(
            "dropping event %s published %s: older than %ss", event["id"], published, settings.max_message_age_seconds
        )
        return None
    try:
        message = model.model_validate(decode_pubsub_payload(event))
    except PydanticValidationError as exc:
        log.error("acknowledging malformed message %s: %s", event["id"], _describe(exc))
        return None
    except ValidationError as exc:
        log.error("acknowledging malformed message %s: %s", event["id"], exc)
        return None
    try:
        return work(message)
    except GenAICostsError as exc:
        if exc.transient:
            log.warning("transient failure on %s, asking for redelivery: %s", event["id"], exc)
            raise
        log.error("permanent failure on %s, acknowledging: %s", event["id"], exc)
        return None


def handle_json_request(
    body: Any, model: type[M], work: Callable[[M], BaseModel], *, settings: Settings
) -> tuple[dict[str, Any], int]:
    """HTTP variant: 400 with a clear message on bad input, 200 with the result's JSON."""
    configure_logging(settings.log_level)
    if not isinstance(body, dict):
        return {"error": "request body must be a JSON object"}, 400
    try:
        request = model.model_validate(body)
    except PydanticValidationError as exc:
        return {"error": _describe(exc)}, 400
    try:
        return work(request).model_dump(mode="json"), 200
    except ValidationError as exc:
        return {"error": str(exc)}, 400
    except GenAICostsError as exc:
        log.exception("request failed")
        return {"error": f"{type(exc).__name__}: {exc}"}, 503 if exc.transient else 500


def handle_usage_request(
    stream: IO[bytes],
    content_length: int | None,
    authorization: str | None,
    *,
    publisher: Callable[[], Publisher],
    settings: Settings,
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any], int, dict[str, str]]:
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
            return {"error": str(exc)}, 503, {"Retry-After": str(_RETRY_AFTER_SECONDS)}
        log.error("record_usage failed: %s", exc)
        return {"error": f"{type(exc).__name__}: {exc}"}, 500, {}
    return response.model_dump(mode="json"), response.http_status, {}


_RETRY_AFTER_SECONDS = 5
