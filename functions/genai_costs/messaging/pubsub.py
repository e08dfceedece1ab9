"""Google Cloud Pub/Sub publisher (used by the CLI to trigger cloud runs and backfills)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from google.cloud.pubsub_v1 import PublisherClient

from .base import Publisher


class PubSubPublisher(Publisher):
    def __init__(self, project: str, client: PublisherClient | None = None) -> None:
        self.project = project
        self._client = client

    @property
    def client(self) -> PublisherClient:
        if self._client is None:
            self._client = PublisherClient()
        return self._client

    def publish(self, topic: str, payload: Mapping[str, Any], attributes: Mapping[str, str] | None = None) -> str:
        future = self.client.publish(
            self.client.topic_path(self.project, topic), json.dumps(payload).encode(), **dict(attributes or {})
        )
        return str(future.result(timeout=60))
