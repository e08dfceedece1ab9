"""In-process bus: delivers Pub/Sub-shaped CloudEvents to the same handlers the platform
calls, with Pub/Sub's contract: a handler that raises gets the message again (up to
``max_delivery_attempts``), then the message goes to the dead-letter list. ``redeliveries`` forces
Pub/Sub's at-least-once delivery: every message reaches each subscriber that many extra times, with
the same message id and publish time, as after a lost acknowledgement."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudevents.http import CloudEvent

from genai_costs.messaging.base import Publisher
from genai_costs.messaging.cloudevents import pubsub_cloud_event

log = logging.getLogger(__name__)
Handler = Callable[[CloudEvent], object]


@dataclass
class DeadLetter:
    topic: str
    event: CloudEvent
    error: str


@dataclass
class InProcessBus(Publisher):
    project: str = "local"
    max_delivery_attempts: int = 5
    redeliveries: int = 0
    subscribers: dict[str, list[Handler]] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    delivered: int = 0

    def subscribe(self, topic: str, handler: Handler) -> None:
        self.subscribers.setdefault(topic, []).append(handler)

    def publish(
        self,
        topic: str,
        payload: Mapping[str, Any] | bytes,
        attributes: Mapping[str, str] | None = None,
        *,
        ordering_key: str | None = None,  # delivery is synchronous, so publish order is always kept
        message_id: str | None = None,  # set by a caller that hands out the id before delivery
    ) -> str:
        event = pubsub_cloud_event(self.project, topic, payload, attributes, message_id=message_id)
        for handler in self.subscribers.get(topic, []):
            for _ in range(1 + self.redeliveries):
                self._deliver(topic, handler, event)
        return str(event["id"])

    def _deliver(self, topic: str, handler: Handler, event: CloudEvent) -> None:
        for attempt in range(1, self.max_delivery_attempts + 1):
            try:
                handler(event)
                self.delivered += 1
                return
            except Exception as exc:  # a raising handler means "nack": redeliver
                log.warning("delivery %d/%d on %s failed: %s", attempt, self.max_delivery_attempts, topic, exc)
                last = exc
        self.dead_letters.append(DeadLetter(topic, event, str(last)))
