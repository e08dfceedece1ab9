"""What one delivery attempt needs and what it returns.

    Outcome
    ├── Sent              the channel accepted the message (with the provider's message id if any)
    ├── Retryable         try again later (429, 408, 5xx, timeout, connection error), maybe after
    │                     the server's own Retry-After
    └── PermanentFailure  retrying cannot help (bad request, rejected credentials, missing secret);
                          ``disable_endpoint`` when the receiver said it is gone for good (410)

Outcomes are values, not exceptions: a channel that fails is the normal case for the delivery
state machine, and its reason is already scrubbed of secrets when it is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

from ..model.alert import Alert

ChannelKind = Literal["slack", "email", "sms", "webhook", "pubsub"]


@dataclass(frozen=True)
class Sent:
    provider_message_id: str | None = None


@dataclass(frozen=True)
class Retryable:
    reason: str
    retry_after: float | None = None  # seconds the server asked us to wait


@dataclass(frozen=True)
class PermanentFailure:
    reason: str
    disable_endpoint: bool = False


Outcome = Sent | Retryable | PermanentFailure


@dataclass(frozen=True)
class AttemptContext:
    """The facts of one attempt a sender may put on the wire."""

    delivery_key: str  # alert id + channel key: unique per alert and channel
    webhook_id: str  # stable across retries; receivers deduplicate on it
    attempt: int  # 1-based number of this attempt
    now: dt.datetime  # aware UTC; the webhook timestamp of this attempt


class ChannelSender(Protocol):
    """One attempt to hand one alert to one channel. Never raises for a channel's failure."""

    channel: ChannelKind

    def attempt(self, alert: Alert, context: AttemptContext) -> Outcome: ...
