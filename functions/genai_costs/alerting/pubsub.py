"""Alerts to a Pub/Sub topic other systems subscribe to: the JSON envelope as the message data, and
attributes to filter on without decoding it (``alert_id``, ``kind``, ``org_slug``, ``budget_id``,
``dedupe_key``, ``schema_version``). In the cloud the publisher is google-cloud-pubsub's; embedded,
the in-process bus (both behind :class:`genai_costs.messaging.Publisher`). Pub/Sub itself is
at-least-once, so subscribers deduplicate on ``dedupe_key`` (the delivery's webhook id).
"""

from __future__ import annotations

from google.api_core import exceptions as gexc

from ..messaging import Publisher
from ..model.alert import Alert
from .base import AttemptContext, ChannelKind, Outcome, PermanentFailure, Retryable, Sent
from .envelope import SCHEMA_VERSION, alert_envelope
from .targets import PubSubTarget

# Retrying cannot fix a missing topic, a missing permission or a malformed message.
_PERMANENT = (gexc.NotFound, gexc.PermissionDenied, gexc.Unauthenticated, gexc.InvalidArgument)


def alert_attributes(alert: Alert, context: AttemptContext) -> dict[str, str]:
    attributes = {
        "alert_id": alert.alert_id,
        "kind": alert.kind.value,
        "org_slug": alert.org_slug,
        "dedupe_key": context.webhook_id,
        "schema_version": SCHEMA_VERSION,
    }
    if alert.budget is not None:
        attributes["budget_id"] = alert.budget.budget.budget_id
    return attributes


class PubSubSender:
    channel: ChannelKind = "pubsub"

    def __init__(self, target: PubSubTarget, publisher: Publisher) -> None:
        self.target, self.publisher = target, publisher

    def attempt(self, alert: Alert, context: AttemptContext) -> Outcome:
        # Imported here: only a function that sends alerts ships google-cloud-pubsub.
        from google.cloud.pubsub_v1.publisher.exceptions import MessageTooLargeError

        topic = self.target.topic
        try:
            message_id = self.publisher.publish(topic, alert_envelope(alert), alert_attributes(alert, context))
        except _PERMANENT as exc:
            return PermanentFailure(f"pubsub: publishing to topic {topic} refused ({type(exc).__name__})")
        except MessageTooLargeError:
            return PermanentFailure(f"pubsub: message too large for topic {topic}")
        except (gexc.GoogleAPIError, TimeoutError) as exc:
            return Retryable(f"pubsub: publishing to topic {topic} failed ({type(exc).__name__})")
        return Sent(message_id)
