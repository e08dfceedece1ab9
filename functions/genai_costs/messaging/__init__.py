"""Messaging seam: Pub/Sub in the cloud; an in-process bus delivering the same CloudEvents."""

from .base import Publisher
from .cloudevents import pubsub_cloud_event

__all__ = ["Publisher", "pubsub_cloud_event"]
