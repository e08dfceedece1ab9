"""Google Cloud Pub/Sub publisher (used by the CLI to trigger cloud runs and backfills)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from google.cloud import pubsub_v1

from .base import Publisher


class PubSubPublisher(Publisher):
    def __init__(self, project: str, client: pubsub_v1.PublisherClient | None = None) -> None:
        self.project = project
        self._client = client

    @property
    def client(self) -> pubsub_v1.PublisherClient:
        if self._client is None:
            self._client = pubsub_v1.PublisherClient()
        return self._client

    def publish(self, topic: str, payload: Mapping, attributes: Mapping[str, str] | None = None) -> str:
        future = self.client.publish(
            self.client.topic_path(self.project, topic), json.dumps(payload).encode(), **dict(attributes or {})
        )
        return future.result(timeout=60)
