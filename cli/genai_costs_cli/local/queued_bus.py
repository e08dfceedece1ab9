"""A bus that answers like Pub/Sub: ``publish`` returns the message id at once, and one worker
thread delivers the messages in publish order through the in-process bus to the functions. Used by
``genai-costs serve``, where the scheduler and the pipeline endpoints publish from different
threads: one deliverer means one writer to the embedded warehouse at a time.

DuckDB lets one process hold a database file through one attachment at a time, so whoever else in
the process reads the warehouse (the endpoints' run ledger) enters through :meth:`reading`, which
waits for the delivery in progress and goes before the next one.

A message identical to one still waiting (same topic and body) is not queued twice: its id is
returned instead, so a schedule faster than the work, or a laptop waking up, cannot pile up runs."""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from genai_costs.messaging.base import Publisher

from .inprocess import InProcessBus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Message:
    topic: str
    payload: dict[str, Any] | bytes
    attributes: dict[str, str]
    message_id: str


class QueuedBus(Publisher):
    def __init__(self, bus: InProcessBus) -> None:
        self.bus = bus
        # The warehouse gate, and a turnstile in front of it so a waiting reader goes next.
        self._gate = threading.Lock()
        self._turnstile = threading.Lock()
        self._pending: dict[str, str] = {}  # message key -> id of the queued copy
        self._pending_lock = threading.Lock()
        self.coalesced = 0
        self._queue: queue.Queue[_Message | None] = queue.Queue()
        self._closing = threading.Event()
        self.dropped = 0
        self._worker = threading.Thread(target=self._deliver, name="genai-costs-bus", daemon=True)
        self._worker.start()

    def publish(
        self,
        topic: str,
        payload: Mapping[str, Any] | bytes,
        attributes: Mapping[str, str] | None = None,
        *,
        ordering_key: str | None = None,  # one worker delivers in publish order anyway
    ) -> str:
        key = _key(topic, payload)
        with self._pending_lock:
            if key in self._pending:
                self.coalesced += 1
                return self._pending[key]
            message_id = uuid.uuid4().hex
            self._pending[key] = message_id
        body = payload if isinstance(payload, bytes) else dict(payload)
        self._queue.put(_Message(topic, body, dict(attributes or {}), message_id))
        return message_id

    @contextmanager
    def reading(self, timeout: float) -> Iterator[bool]:
        """Hold the warehouse between deliveries; yields False when ``timeout`` passed first."""
        if not self._turnstile.acquire(timeout=timeout):
            yield False
            return
        try:
            acquired = self._gate.acquire(timeout=timeout)
        finally:
            self._turnstile.release()
        try:
            yield acquired
        finally:
            if acquired:
                self._gate.release()

    def close(self, timeout: float | None = None) -> int:
        """Finish the delivery in progress, drop what is still queued (the next scheduled run
        re-pulls its trailing window), stop the worker; return how many messages were dropped."""
        self._closing.set()
        self._queue.put(None)
        self._worker.join(timeout)
        return self.dropped

    def join(self) -> None:
        """Wait until every message published so far is delivered."""
        self._queue.join()

    def _deliver(self) -> None:
        while True:
            message = self._queue.get()
            try:
                if message is None:
                    return
                with self._pending_lock:
                    self._pending.pop(_key(message.topic, message.payload), None)
                if self._closing.is_set():
                    self.dropped += 1
                    continue
                with self._turnstile:
                    self._gate.acquire()
                try:
                    self.bus.publish(message.topic, message.payload, message.attributes, message_id=message.message_id)
                finally:
                    self._gate.release()
            except Exception:  # a delivery bug must not stop the worker: the bus already retried
                log.exception("delivering %s failed", message.message_id if message else "-")
            finally:
                self._queue.task_done()


def _key(topic: str, payload: Mapping[str, Any] | bytes) -> str:
    if isinstance(payload, bytes):
        return topic + "\x1f" + payload.decode("utf-8", "backslashreplace")
    body = json.dumps(payload, sort_keys=True, default=str)
    return topic + "\x1f" + body
