"""Google Cloud Pub/Sub publisher (pipelines function and CLI flow messages; record_usage; alert delivery).

Failures raise ConfigurationError (topic missing or not permitted) or PublishError; callers map them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from google.api_core import exceptions as google_exceptions
from google.cloud.pubsub_v1 import PublisherClient
from google.cloud.pubsub_v1.types import PublisherOptions

from ..errors import ConfigurationError, PublishError
from .base import Publisher

PUBLISH_TIMEOUT_SECONDS = 60


class PubSubPublisher(Publisher):
    def __init__(self, project: str, client: PublisherClient | None = None) -> None:
        self.project = project
        self._client = client

    @property
    def client(self) -> PublisherClient:
        if self._client is None:
            # Ordering keys need an ordering-enabled client; messages without a key are unaffected.
            self._client = PublisherClient(publisher_options=PublisherOptions(enable_message_ordering=True))
        return self._client

    def publish(
        self,
        topic: str,
        payload: Mapping[str, Any] | bytes,
        attributes: Mapping[str, str] | None = None,
        *,
        ordering_key: str | None = None,
    ) -> str:
        path = self.client.topic_path(self.project, topic)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        future = self.client.publish(path, data, ordering_key=ordering_key or "", **dict(attributes or {}))
        try:
            return str(future.result(timeout=PUBLISH_TIMEOUT_SECONDS))
        except (google_exceptions.NotFound, google_exceptions.PermissionDenied) as exc:
            raise ConfigurationError(f"cannot publish to {path}: {type(exc).__name__}") from exc
        except Exception as exc:
            if ordering_key:
                # A failed publish pauses its ordering key until resumed; the caller's retry resumes it.
                self.client.resume_publish(path, ordering_key)
            raise PublishError(f"publishing to {path} failed: {type(exc).__name__}: {exc}") from exc
