"""Messaging seam: Pub/Sub in the cloud; an in-process bus delivering the same CloudEvents."""

from .base import Publisher
from .cloudevents import pubsub_cloud_event
from .factory import open_publisher

__all__ = ["Publisher", "open_publisher", "pubsub_cloud_event"]
