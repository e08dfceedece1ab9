"""One HTTP POST to a channel and what its answer means.

    2xx                         the caller builds ``Sent`` (each API puts its message id elsewhere)
    408, 429, 5xx               Retryable, with the server's Retry-After (seconds or an HTTP date)
    timeout, connection error   Retryable
    410 on a webhook            PermanentFailure(disable_endpoint=True): the receiver asked us to stop
    401 / 403                   PermanentFailure naming the secret to check
    any other status            PermanentFailure (redirects are not followed: an alert endpoint that
                                moves is a configuration change, not something to chase)

Channel URLs are credentials (a Slack webhook URL is all it takes to post), so nothing here puts a
URL, header or request body into a reason; a response body excerpt is scrubbed of every secret the
process has read. httpx logs each request's URL at INFO: :func:`new_http_client` puts the same
redacting filter the JSON log handler uses on httpx's own loggers, so that line is masked too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ..logs import MASK, RedactingFilter, redact
from .base import ChannelKind, PermanentFailure, Retryable

USER_AGENT = "genai-costs-alerts/1"
DEFAULT_TIMEOUT_SECONDS = 10.0
RETRY_STATUSES = frozenset({408, 429})
_HTTPX_LOGGERS = ("httpx", "httpcore")


def install_log_redaction() -> None:
    """Mask known secrets in httpx's own log records (idempotent)."""
    for name in _HTTPX_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def new_http_client(timeout: float = DEFAULT_TIMEOUT_SECONDS) -> httpx.Client:
    install_log_redaction()
    return httpx.Client(timeout=timeout, follow_redirects=False, headers={"user-agent": USER_AGENT})


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask the given values and every secret the process has read."""
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, MASK)
    return redact(text)


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def post(client: httpx.Client, channel: ChannelKind, url: str, **kwargs: Any) -> httpx.Response | Retryable:
    """POST, mapping transport failures to Retryable (the request may or may not have arrived)."""
    install_log_redaction()
    try:
        return client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        return Retryable(f"{channel}: no answer in time ({type(exc).__name__})")
    except httpx.TransportError as exc:
        return Retryable(f"{channel}: connection failed ({type(exc).__name__})")


def excerpt(response: httpx.Response, secrets: Iterable[str] = (), limit: int = 200) -> str:
    text = " ".join(response.text.split())
    return scrub(text[:limit], secrets)


def failure_for(
    channel: ChannelKind,
    response: httpx.Response,
    *,
    now: dt.datetime,
    secret_id: str | None,
    detail: str = "",
) -> Retryable | PermanentFailure:
    """The outcome of a non-2xx answer; ``detail`` is an already scrubbed excerpt of the body."""
    status = response.status_code
    what = f"{channel}: HTTP {status}" + (f" {detail}" if detail else "")
    if status in RETRY_STATUSES or status >= 500:
        return Retryable(what, parse_retry_after(response.headers.get("retry-after"), now))
    if status == 410 and channel == "webhook":
        return PermanentFailure(f"{what}; the endpoint is gone, disable it", disable_endpoint=True)
    if status in (401, 403) and secret_id:
        return PermanentFailure(f"{what}; credentials in secret {secret_id} were rejected")
    return PermanentFailure(what)
