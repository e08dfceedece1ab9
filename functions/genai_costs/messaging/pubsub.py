"""Google Cloud Pub/Sub publisher (record_usage; the CLI to trigger cloud runs and backfills; alert delivery).

Failures surface as google-api-core exceptions (or ``TimeoutError``); callers map them."""

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

    def publish(
        self, topic: str, payload: Mapping[str, Any] | bytes, attributes: Mapping[str, str] | None = None
    ) -> str:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        future = self.client.publish(self.client.topic_path(self.project, topic), data, **dict(attributes or {}))
        return str(future.result(timeout=60))
