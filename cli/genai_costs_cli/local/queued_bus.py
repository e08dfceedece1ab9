"""A bus that answers like Pub/Sub: ``publish`` returns the message id at once, and one worker
thread delivers the messages in publish order through the in-process bus to the functions. Used by
``genai-costs serve``, where the scheduler and the pipeline endpoints publish from different
threads: one deliverer means one writer to the embedded warehouse at a time."""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from genai_costs.messaging.base import Publisher

from .inprocess import InProcessBus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Message:
    topic: str
    payload: dict[str, Any]
    attributes: dict[str, str]
    message_id: str


class QueuedBus(Publisher):
    def __init__(self, bus: InProcessBus) -> None:
        self.bus = bus
        self._queue: queue.Queue[_Message | None] = queue.Queue()
        self._closing = threading.Event()
        self.dropped = 0
        self._worker = threading.Thread(target=self._deliver, name="genai-costs-bus", daemon=True)
        self._worker.start()

    def publish(
        self,
        topic: str,
        payload: Mapping[str, Any],
        attributes: Mapping[str, str] | None = None,
        *,
        ordering_key: str | None = None,  # one worker delivers in publish order anyway
    ) -> str:
        message_id = uuid.uuid4().hex
        self._queue.put(_Message(topic, dict(payload), dict(attributes or {}), message_id))
        return message_id

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
                if self._closing.is_set():
                    self.dropped += 1
                    continue
                self.bus.publish(message.topic, message.payload, message.attributes, message_id=message.message_id)
            except Exception:  # a delivery bug must not stop the worker: the bus already retried
                log.exception("delivering %s failed", message.message_id if message else "-")
            finally:
                self._queue.task_done()
