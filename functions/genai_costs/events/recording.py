"""record_usage: a request of usage events -> one answer per event, and one Pub/Sub message.

    body (<= 5 MB, refused before it is read when larger) -> parse_batch (validation, normalization,
    token invariant) -> one message with the accepted and quarantined events -> the topic, whose
    BigQuery subscription appends it to genai_usage_events_raw (no function in the write path).

The request is published whole or not at all: a publish that fails raises :class:`MessagingError`
(answered 503), and the producer resends the same events with the same ids, which consolidation
counts once. Nothing is written anywhere else.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import IO

from google.auth import jwt

from ..errors import MessagingError
from ..messaging.base import Publisher
from ..model.usage_event import MAX_BATCH_BYTES, MAX_SOURCE_CHARS, BatchRejected, BatchResponse, parse_batch
from ..model.usage_event_batch import MAX_MESSAGE_BYTES, batch_message

log = logging.getLogger(__name__)


def read_body(stream: IO[bytes], content_length: int | None, *, limit: int = MAX_BATCH_BYTES) -> bytes:
    """The request body, refusing (413) a declared or actual size over ``limit`` without reading it all."""
    if content_length is not None and content_length > limit:
        raise BatchRejected(f"request body is {content_length} bytes; at most {limit}", http_status=413)
    body = stream.read(limit + 1)  # a body sent without a length (chunked) is cut one byte past the limit
    if len(body) > limit:
        raise BatchRejected(f"request body is larger than {limit} bytes", http_status=413)
    return body


def caller_identity(authorization: str | None) -> str | None:
    """The email (else subject) of the Google ID token the platform already verified for this request.

    Only meaningful behind Cloud Run's IAM check (the private function): the token is not verified
    again here, so callers must not use this where the platform lets unauthenticated requests in.
    """
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    try:
        claims = jwt.decode(authorization[7:].strip(), verify=False)
    except (ValueError, TypeError):
        return None
    identity = claims.get("email") or claims.get("sub")
    if not isinstance(identity, str) or not identity or len(identity) > MAX_SOURCE_CHARS:
        return None
    return identity


def record_batch(
    body: bytes,
    *,
    received_at: datetime,
    caller: str | None,
    publisher: Callable[[], Publisher],
    topic: str,
    new_batch_id: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> BatchResponse:
    """Validate ``body``, publish what is stored, answer per event. ``publisher`` is opened only when
    there is something to publish.

    Raises :class:`BatchRejected` (400 / 413) for an unusable request and :class:`MessagingError`
    (503) when the message could not be published; in both cases nothing was stored.
    """
    outcomes = parse_batch(body, received_at=received_at, default_source=caller)
    response = BatchResponse.from_outcomes(outcomes)
    batch_id = new_batch_id()
    message = batch_message(outcomes, batch_id=batch_id, received_at=received_at, caller=caller)
    if message is None:
        return response  # every event rejected: nothing to store
    if len(message.data) > MAX_MESSAGE_BYTES:
        raise BatchRejected(
            f"the normalized events take {len(message.data)} bytes, over the {MAX_MESSAGE_BYTES} a message holds; "
            "send fewer events per request",
            http_status=413,
        )
    target = publisher()  # outside the try: a missing configuration is not a failed publish
    try:
        message_id = target.publish(topic, message.data, message.attributes)
    except Exception as exc:  # any publish failure: the producer resends, dedup makes it harmless
        log.error("publishing batch %s (%d events) to %s failed: %s", batch_id, message.event_count, topic, exc)
        raise MessagingError(f"could not publish the events ({type(exc).__name__}); resend the same batch") from exc
    log.info(
        "batch %s: %d accepted, %d quarantined, %d rejected; message %s",
        batch_id,
        response.accepted,
        response.quarantined,
        response.rejected,
        message_id,
    )
    return response
