"""Where batches go: the record_usage endpoint over HTTP, or in-process for tests and local runs.

A sink's ``send`` runs on the client's background thread, never on the caller's. It returns a
:class:`SendResult` (per-event outcomes when the sink knows them) or raises:

    SinkError
    ├── TransientSinkError   worth retrying (network error, timeout, 408 / 429 / 5xx)
    ├── PayloadTooLarge      413: the client splits the batch and sends the halves
    └── (SinkError itself)   permanent (400, 401, 403, 404, ...): the batch is dropped, counted, logged

Any other exception from a custom sink counts as transient. Error messages never contain the
bearer token.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from genai_costs_client.wire import Batch

TokenProvider = Callable[[], str]


class SinkError(Exception):
    """Permanent: resending the same batch would fail the same way."""


class TransientSinkError(SinkError):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PayloadTooLarge(SinkError):
    pass


@dataclass(frozen=True)
class SendResult:
    accepted: int
    quarantined: int = 0
    rejected: int = 0
    reasons: tuple[str, ...] = field(default=())  # a few "event_id: reason" lines, for the log


class Sink(Protocol):
    def send(self, batch: Batch) -> SendResult: ...

    def close(self) -> None: ...


class MemorySink:
    """Keeps every event it receives (tests, notebooks). ``batches`` keeps the request bodies too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[Mapping[str, Any]] = []
        self.batches: list[Batch] = []

    def send(self, batch: Batch) -> SendResult:
        with self._lock:
            self.events.extend(batch.events)
            self.batches.append(batch)
        return SendResult(accepted=len(batch.events))

    def close(self) -> None:
        return None


class CallableSink:
    """Hands each batch's events to a function (write to a file, a queue, a local handler, ...)."""

    def __init__(self, deliver: Callable[[list[Mapping[str, Any]]], object]) -> None:
        self._deliver = deliver

    def send(self, batch: Batch) -> SendResult:
        self._deliver(list(batch.events))
        return SendResult(accepted=len(batch.events))

    def close(self) -> None:
        return None


_RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
_MAX_REASONS = 5


class HttpSink:
    """``POST {url}`` with ``{"events": [...]}``; optional ``Authorization: Bearer <token_provider()>``.

    The HTTP client is created on first use (on the background thread) and closed by ``close``.
    ``transport`` is for tests (``httpx.MockTransport``).
    """

    def __init__(
        self,
        url: str,
        *,
        token_provider: TokenProvider | None = None,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self._token_provider = token_provider
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 3.0))
        self._headers = {"Content-Type": "application/json", **(headers or {})}
        self._transport = transport
        self._http: httpx.Client | None = None

    def send(self, batch: Batch) -> SendResult:
        headers = dict(self._headers)
        if self._token_provider is not None:
            try:
                headers["Authorization"] = f"Bearer {self._token_provider()}"
            except Exception as exc:  # a metadata-server hiccup is worth a retry
                raise TransientSinkError(f"token provider failed: {type(exc).__name__}") from None
        try:
            response = self._client().post(self.url, content=batch.body, headers=headers)
        except httpx.TimeoutException:
            raise TransientSinkError("record_usage timed out") from None
        except httpx.TransportError as exc:
            raise TransientSinkError(f"record_usage unreachable: {type(exc).__name__}") from None
        status = response.status_code
        if status in (200, 207):
            return _parse_results(response, len(batch.events))
        detail = _error_detail(response)
        if status == 413:
            raise PayloadTooLarge(f"record_usage answered 413: {detail}")
        if status in _RETRYABLE:
            raise TransientSinkError(f"record_usage answered {status}: {detail}", retry_after=_retry_after(response))
        raise SinkError(f"record_usage answered {status}: {detail}")

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=self._timeout, transport=self._transport, follow_redirects=False)
        return self._http


def _parse_results(response: httpx.Response, sent: int) -> SendResult:
    try:
        body = response.json()
    except (json.JSONDecodeError, ValueError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        return SendResult(accepted=sent)  # a 200 without details: all accepted
    counts = {"accepted": 0, "quarantined": 0, "rejected": 0}
    reasons: list[str] = []
    for item in body["results"]:
        status = item.get("status") if isinstance(item, dict) else None
        if status in counts:
            counts[status] += 1
            if status != "accepted" and len(reasons) < _MAX_REASONS:
                reasons.append(f"{item.get('event_id')}: {status}: {str(item.get('reason'))[:300]}")
    return SendResult(**counts, reasons=tuple(reasons))


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("error"):
            return str(body["error"])[:300]
    except (json.JSONDecodeError, ValueError):
        pass
    return response.reason_phrase or "no detail"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
