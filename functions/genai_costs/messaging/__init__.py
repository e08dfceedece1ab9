"""Messaging seam: Pub/Sub in the cloud; an in-process bus delivering the same CloudEvents.

``factory.open_publisher`` picks one from settings; it is imported from its module by the functions
that publish, so the others never reach the Pub/Sub client library."""

from .base import Publisher
from .cloudevents import pubsub_cloud_event

__all__ = ["Publisher", "pubsub_cloud_event"]
