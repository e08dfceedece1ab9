"""Pick the publisher from settings: Pub/Sub when a Google project is configured, else the
in-process bus the embedding process installed (messaging.embedded)."""

from __future__ import annotations

from functools import lru_cache

from ..settings import Settings
from . import embedded
from .base import Publisher


def open_publisher(settings: Settings) -> Publisher:
    if settings.gcp_project:
        return _pubsub_publisher(settings.gcp_project)
    return embedded.current()


@lru_cache(maxsize=4)
def _pubsub_publisher(project: str) -> Publisher:
    # One client per process, made on first use (never at import): its gRPC channel and batching
    # threads are reused by every request the instance serves.
    from .pubsub import PubSubPublisher

    return PubSubPublisher(project)
