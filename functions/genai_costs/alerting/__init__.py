"""Alert delivery: render an alert for each channel, attempt it, and track each (alert, channel)
delivery through pending -> sent / failed with bounded retries.

    targets      where an alert goes (non-secret); secrets are referenced by id
    credentials  what each channel's secret holds, read from the secret store at every attempt
    text         the shared wording; slack / sendgrid / twilio / webhook / pubsub render and send
    http         one POST and what its status means; Retry-After; httpx log masking
    retry        exponential backoff with full jitter, Retry-After, give-up bounds
    delivery     the delivery record the alert ledger persists, and its state machine
    senders      the sender for a target

The alert itself is :class:`genai_costs.model.alert.Alert`.
"""

from .base import AttemptContext, ChannelSender, Outcome, PermanentFailure, Retryable, Sent
from .delivery import (
    Delivery,
    DeliveryStatus,
    attempt_delivery,
    deliver_due,
    deliver_inline,
    new_delivery,
    record_outcome,
)
from .http import new_http_client
from .retry import DeliveryRetryPolicy
from .senders import build_sender
from .targets import ChannelTarget, EmailTarget, PubSubTarget, SlackTarget, SmsTarget, WebhookTarget

__all__ = [
    "AttemptContext",
    "ChannelSender",
    "ChannelTarget",
    "Delivery",
    "DeliveryRetryPolicy",
    "DeliveryStatus",
    "EmailTarget",
    "Outcome",
    "PermanentFailure",
    "PubSubTarget",
    "Retryable",
    "Sent",
    "SlackTarget",
    "SmsTarget",
    "WebhookTarget",
    "attempt_delivery",
    "build_sender",
    "deliver_due",
    "deliver_inline",
    "new_delivery",
    "new_http_client",
    "record_outcome",
]
