"""The usage client: ``record`` on the request path, batching and delivery on a background thread.

Guarantees to the application:
- ``record`` never raises and never blocks: it maps the response (attribute reads) and puts one dict
  on a bounded queue with ``put_nowait``. A full queue drops the event and counts it.
- Memory is bounded: at most ``max_queue`` events wait, plus one batch in flight.
- When the sink is down, each batch is retried a bounded number of times with backoff, then
  dropped, counted and logged (rate-limited, never with credentials).
- ``flush`` / ``close`` deliver what is queued within a timeout; ``close`` also runs at interpreter
  exit. The worker thread is a daemon, so a hung sink can never keep the process alive.
- After ``os.fork`` (gunicorn, multiprocessing) the child starts with an empty queue and its own
  worker.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import random
import threading
import time
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from genai_costs_client.attribution import ATTRIBUTION_FIELDS, Attribution, current_attribution
from genai_costs_client.sdk_usage import event_from_response
from genai_costs_client.sinks import (
    HttpSink,
    PayloadTooLarge,
    SendResult,
    Sink,
    SinkError,
    TokenProvider,
    TransientSinkError,
)
from genai_costs_client.wire import (
    MAX_BATCH_BYTES,
    MAX_EVENTS_PER_BATCH,
    Batch,
    bounded_tags,
    encode_event,
    fits_alone,
    split_batches,
)

logger = logging.getLogger("genai_costs_client")

_PROVIDER_KEYS = ("region", "deployment", "api_key_id", "project_id")
# Keys in a plain usage dict that already name the attribution field (any accepted spelling).
_ATTRIBUTION_ALIASES = {
    "tenant_id": ("tenant_id", "tenant"),
    "user_id": ("user_id", "learner_id", "learner", "user.id", "enduser.id"),
    "service": ("service", "service_name", "service.name"),
    "workflow_id": ("workflow_id",),
    "feature": ("feature",),
    "environment": ("environment", "env", "deployment.environment.name", "deployment.environment"),
}
_ID_KEYS = ("event_id", "response_id", "request_id", "gen_ai.response.id", "openai_request_id")
_TIME_KEYS = ("occurred_at", "timestamp", "created_at", "openai_created")
_WAKE: dict[str, Any] = {}  # put on the queue (by identity) to wake an idle worker at close


@dataclass(frozen=True)
class ClientStats:
    recorded: int  # events put on the queue
    sent: int  # events the sink received (whatever it then answered)
    accepted: int
    quarantined: int  # stored by the server, not priced (token counts did not add up)
    rejected: int  # refused by the server, with a reason in the log
    dropped_queue_full: int
    dropped_send_failed: int  # sink down or refusing after bounded retries
    dropped_unmappable: int  # record() could not build an event from what it was given
    dropped_oversize: int
    dropped_closed: int  # recorded after close()
    tags_dropped: int  # tags removed because the server would reject the event for them
    retries: int
    queue_depth: int

    @property
    def dropped(self) -> int:
        return (
            self.dropped_queue_full
            + self.dropped_send_failed
            + self.dropped_unmappable
            + self.dropped_oversize
            + self.dropped_closed
        )


class _RateLimitedLog:
    """At most one line per kind per interval, with how many were suppressed since the last one."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warning(self, kind: str, message: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(kind, -self._interval) < self._interval:
                self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
                return
            suppressed = self._suppressed.pop(kind, 0)
            self._last[kind] = now
        extra = f" ({suppressed} similar suppressed)" if suppressed else ""
        logger.warning("genai-costs usage client: %s%s", message, extra)


class UsageClient:
    """Records LLM calls for genai-costs. One per process; share it between threads.

    ``source`` names the producer (dedup is per source and event id). ``service`` / ``environment``
    are defaults for every event; the attribution context and per-call arguments override them.
    """

    def __init__(
        self,
        sink: Sink,
        *,
        source: str,
        service: str | None = None,
        environment: str | None = None,
        max_queue: int = 10_000,
        max_batch_events: int = MAX_EVENTS_PER_BATCH,
        max_batch_bytes: int = MAX_BATCH_BYTES,
        flush_interval: float = 1.0,
        max_attempts: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        exit_timeout: float = 5.0,
        log_interval: float = 60.0,
    ) -> None:
        if not source:
            raise ValueError("source is required: it names this application in the usage events")
        self.source = source
        self._sink = sink
        self._defaults = Attribution().merged(service=service, environment=environment)
        self._max_queue = max_queue
        self._max_batch_events = min(max_batch_events, MAX_EVENTS_PER_BATCH)
        self._max_batch_bytes = min(max_batch_bytes, MAX_BATCH_BYTES)
        self._flush_interval = flush_interval
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._exit_timeout = exit_timeout
        self._log = _RateLimitedLog(log_interval)
        self._closed = False
        self._deadline: float | None = None  # set by close(): stop retrying after it
        self._init_runtime()
        self._at_exit = _weak_close(self)
        atexit.register(self._at_exit)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_weak_reset(self))

    @classmethod
    def for_endpoint(
        cls,
        url: str,
        *,
        source: str,
        token_provider: TokenProvider | None = None,
        timeout: float = 10.0,
        **options: Any,
    ) -> UsageClient:
        """A client that POSTs to the record_usage function at ``url``."""
        return cls(HttpSink(url, token_provider=token_provider, timeout=timeout), source=source, **options)

    # --- the request path: never raises, never blocks ---------------------------------------------
    def record(
        self,
        response: Any,
        *,
        provider: str | None = None,
        model: str | None = None,
        latency_ms: float | None = None,
        status: str | None = None,
        event_id: str | None = None,
        occurred_at: datetime | None = None,
        tags: Mapping[str, Any] | None = None,
        **fields: str | None,
    ) -> str | None:
        """Record one call from an SDK response. Returns the event id, or None when it was dropped.

        ``provider`` overrides the SDK's default (``azure_openai`` / ``groq`` with the OpenAI SDK,
        ``vertex_ai`` with google-genai); ``model`` is required for Bedrock. ``fields``: region,
        deployment, api_key_id, project_id and the attribution fields (tenant_id, user_id, service,
        workflow_id, feature, environment).
        """
        try:
            event = event_from_response(response, provider=provider, model=model)
            overrides = {"latency_ms": latency_ms, "status": status, "event_id": event_id, **fields}
            return self._submit(event, overrides, occurred_at, tags, plain=False)
        except Exception as exc:  # the contract: recording must never break the caller's request
            self._count("dropped_unmappable")
            self._log.warning("unmappable", f"could not record a {type(response).__name__}: {_short(exc)}")
            return None

    def record_usage(
        self,
        usage: Mapping[str, Any],
        *,
        occurred_at: datetime | None = None,
        tags: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> str | None:
        """Record a plain usage dict in any accepted spelling (canonical, your own names such as
        ``prompt_tokens`` / ``learner_id``, or OpenTelemetry ``gen_ai.*`` attributes)."""
        try:
            event = dict(usage)
            return self._submit(event, fields, occurred_at, tags, plain=True)
        except Exception as exc:  # the contract: recording must never break the caller's request
            self._count("dropped_unmappable")
            self._log.warning("unmappable", f"could not record a usage dict: {_short(exc)}")
            return None

    def _submit(
        self,
        event: dict[str, Any],
        overrides: Mapping[str, Any],
        occurred_at: datetime | None,
        tags: Mapping[str, Any] | None,
        *,
        plain: bool,
    ) -> str | None:
        unknown = set(overrides) - {*ATTRIBUTION_FIELDS, *_PROVIDER_KEYS, "latency_ms", "status", "event_id"}
        if unknown:
            raise TypeError(f"unknown field(s): {', '.join(sorted(unknown))}")
        context = current_attribution()
        for name in ATTRIBUTION_FIELDS:
            value = overrides.get(name) or getattr(context, name) or getattr(self._defaults, name)
            already_named = plain and any(event.get(k) is not None for k in _ATTRIBUTION_ALIASES[name])
            if value is not None and not already_named:
                event[name] = str(value)
        for name in (*_PROVIDER_KEYS, "status", "event_id"):
            if overrides.get(name) is not None:
                event[name] = str(overrides[name])
        if overrides.get("latency_ms") is not None:
            event["latency_ms"] = round(float(overrides["latency_ms"]))
        merged_tags = {**self._defaults.tags, **context.tags, **(event.get("tags") or {}), **(tags or {})}
        if merged_tags:
            event["tags"], dropped = bounded_tags(merged_tags)
            if dropped:
                self._count("tags_dropped", len(dropped))
                self._log.warning("tags", f"tags dropped (the server would reject the event): {'; '.join(dropped)}")
        if occurred_at is not None:
            event["occurred_at"] = _utc_iso(occurred_at)
        elif not any(event.get(k) is not None for k in _TIME_KEYS):
            event["occurred_at"] = datetime.now(UTC).isoformat()
        if not any(event.get(k) is not None for k in _ID_KEYS):
            event["event_id"] = uuid.uuid4().hex  # no provider id: unique per call, stable across resends
        elif event.get("event_id") is None and not plain:
            event["event_id"] = event.get("response_id") or event.get("request_id")
        event.setdefault("source", self.source)
        return self._enqueue(event)

    def _enqueue(self, event: dict[str, Any]) -> str | None:
        if self._closed:
            self._count("dropped_closed")
            self._log.warning("closed", "an event was recorded after close() and dropped")
            return None
        self._ensure_worker()
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self._count("dropped_queue_full")
            self._log.warning("queue_full", f"queue full ({self._max_queue} events): the sink is slow or down")
            return None
        with self._progress:
            self._enqueued += 1
            self._counts["recorded"] += 1
        return next(str(event[k]) for k in _ID_KEYS if event.get(k) is not None)

    # --- lifecycle ----------------------------------------------------------------------------------
    def flush(self, timeout: float = 5.0) -> bool:
        """Deliver everything recorded so far; True when done within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._progress:
            target = self._enqueued
            if self._done >= target:
                return True
            if self._worker is None or not self._worker.is_alive():
                self._ensure_worker()
            self._flush_now.set()
            while self._done < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._progress.wait(remaining)
        return True

    def close(self, timeout: float = 5.0) -> bool:
        """Flush within ``timeout``, then stop the worker. Later ``record`` calls drop (counted)."""
        if self._closed:
            return True
        self._closed = True
        atexit.unregister(self._at_exit)
        self._deadline = time.monotonic() + timeout
        flushed = self.flush(timeout)
        self._stopping.set()
        with contextlib.suppress(queue.Full):  # a full queue means the worker is not idle anyway
            self._queue.put_nowait(_WAKE)
        worker = self._worker
        if worker is not None:
            worker.join(max(0.0, self._deadline - time.monotonic()))
        if worker is None or not worker.is_alive():
            self._sink.close()  # a worker stuck in send keeps the sink; the daemon thread ends with the process
        if not flushed:
            self._log.warning("close", f"close: {self._enqueued - self._done} events were not delivered in {timeout}s")
        return flushed

    def __enter__(self) -> UsageClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stats(self) -> ClientStats:
        with self._progress:
            counts = dict(self._counts)
        return ClientStats(**counts, queue_depth=self._queue.qsize())

    # --- background worker ----------------------------------------------------------------------------
    def _init_runtime(self) -> None:
        """Queue, locks and counters; called again in a forked child, whose copies may be held."""
        self._pid = os.getpid()
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=self._max_queue)
        self._progress = threading.Condition()
        self._flush_now = threading.Event()
        self._stopping = threading.Event()
        self._worker_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._enqueued = 0
        self._done = 0
        self._counts = dict.fromkeys(
            (
                "recorded",
                "sent",
                "accepted",
                "quarantined",
                "rejected",
                "dropped_queue_full",
                "dropped_send_failed",
                "dropped_unmappable",
                "dropped_oversize",
                "dropped_closed",
                "tags_dropped",
                "retries",
            ),
            0,
        )

    def _after_fork(self) -> None:
        self._init_runtime()  # the parent's events stay with the parent; the atexit hook is inherited

    def _ensure_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        with self._worker_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="genai-costs-usage", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            events = self._collect()
            if events:
                try:
                    self._deliver(events)
                except Exception as exc:  # a bug here must not kill the worker and strand the queue
                    self._count("dropped_send_failed", len(events))
                    self._log.warning("worker", f"delivery failed unexpectedly: {_short(exc)}")
                self._mark_done(len(events))
            elif self._stopping.is_set():
                return

    def _collect(self) -> list[dict[str, Any]]:
        """Up to one batch: wait for a first event, then linger up to ``flush_interval`` for more."""
        wait = 0.05 if self._stopping.is_set() or self._flush_now.is_set() else self._flush_interval
        try:
            first = self._queue.get(timeout=wait)
        except queue.Empty:
            return []
        if first is _WAKE:
            return []
        events = [first]
        linger_until = time.monotonic() + self._flush_interval
        while len(events) < self._max_batch_events:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                pass
            else:
                if event is _WAKE:
                    break
                events.append(event)
                continue
            remaining = linger_until - time.monotonic()
            if remaining <= 0 or self._flush_now.is_set() or self._stopping.is_set():
                break
            try:
                event = self._queue.get(timeout=min(remaining, 0.05))
            except queue.Empty:
                continue
            if event is _WAKE:
                break
            events.append(event)
        return events

    def _mark_done(self, count: int) -> None:
        with self._progress:
            self._done += count
            if self._done >= self._enqueued:
                self._flush_now.clear()
            self._progress.notify_all()

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        kept: list[dict[str, Any]] = []
        encoded: list[bytes] = []
        for event in events:
            try:
                body = encode_event(event)
            except (TypeError, ValueError) as exc:
                self._count("dropped_unmappable")
                self._log.warning("encode", f"an event could not be encoded as JSON: {_short(exc)}")
                continue
            if not fits_alone(body, self._max_batch_bytes):
                self._count("dropped_oversize")
                self._log.warning("oversize", f"an event of {len(body)} bytes exceeds the batch limit")
                continue
            kept.append(event)
            encoded.append(body)
        for batch in split_batches(kept, encoded, max_events=self._max_batch_events, max_bytes=self._max_batch_bytes):
            self._send(batch)

    def _send(self, batch: Batch) -> None:
        """Bounded retry of transient failures; a 413 splits the batch; anything else drops it."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                result = self._sink.send(batch)
            except PayloadTooLarge as exc:
                if len(batch.events) > 1:
                    for half in _halves(batch):
                        self._send(half)
                else:
                    self._drop(batch, f"the server refused a single event as too large: {_short(exc)}")
                return
            except TransientSinkError as exc:
                if not self._wait_before_retry(attempt, exc.retry_after):
                    self._drop(batch, f"gave up after {attempt} attempt(s): {_short(exc)}")
                    return
            except SinkError as exc:  # permanent: resending cannot help
                self._drop(batch, f"refused: {_short(exc)}")
                return
            except Exception as exc:  # a custom sink failing in its own way: treat as transient
                if not self._wait_before_retry(attempt, None):
                    self._drop(batch, f"gave up after {attempt} attempt(s): {_short(exc)}")
                    return
            else:
                self._account(batch, result)
                return

    def _wait_before_retry(self, attempt: int, retry_after: float | None) -> bool:
        """Sleep before the next attempt; False when attempts or the close deadline are used up."""
        if attempt >= self._max_attempts:
            return False
        delay = retry_after if retry_after is not None else self._backoff * 2 ** (attempt - 1)
        delay = min(delay, self._max_backoff) * (0.5 + random.random() / 2)  # jitter: no thundering herd
        if self._deadline is not None and time.monotonic() + delay > self._deadline:
            return False
        self._count("retries")
        time.sleep(delay)
        return True

    def _account(self, batch: Batch, result: SendResult) -> None:
        with self._progress:
            self._counts["sent"] += len(batch.events)
            self._counts["accepted"] += result.accepted
            self._counts["quarantined"] += result.quarantined
            self._counts["rejected"] += result.rejected
        if result.rejected or result.quarantined:
            self._log.warning(
                "rejected",
                f"{result.rejected} rejected and {result.quarantined} quarantined of {len(batch.events)}: "
                + " | ".join(result.reasons),
            )

    def _drop(self, batch: Batch, why: str) -> None:
        self._count("dropped_send_failed", len(batch.events))
        self._log.warning("send_failed", f"dropped {len(batch.events)} events: {why}")

    def _count(self, name: str, amount: int = 1) -> None:
        with self._progress:
            self._counts[name] += amount


def _halves(batch: Batch) -> list[Batch]:
    middle = len(batch.events) // 2
    parts = (list(batch.events[:middle]), list(batch.events[middle:]))
    return [next(split_batches(part, [encode_event(e) for e in part], max_bytes=len(batch.body))) for part in parts]


def _utc_iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _weak_close(client: UsageClient) -> Any:
    ref = weakref.ref(client)

    def close_at_exit() -> None:
        live = ref()
        if live is not None:
            live.close(live._exit_timeout)

    return close_at_exit


def _weak_reset(client: UsageClient) -> Any:
    ref = weakref.ref(client)

    def reset_in_child() -> None:
        live = ref()
        if live is not None:
            live._after_fork()

    return reset_in_child
