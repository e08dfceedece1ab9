"""Delivery of one alert to one channel: the record the alert ledger persists, and its state machine.

    new_delivery ──> pending ──(attempt: Sent)─────────────────────────────> sent
                       │  ^
                       │  └─(attempt: Retryable, next try within the bounds)─┘ (attempts+1,
                       │                                                        next_attempt_at)
                       ├──(attempt: Retryable, bounds exhausted)───────────> failed
                       └──(attempt: PermanentFailure)──────────────────────> failed
                                                                              (+ endpoint_disabled on 410)

``sent`` and ``failed`` are final. :func:`attempt_delivery` leaves any row that is final or not yet
due exactly as it is, so "deliver the due rows" can run again, or twice at once over rows it has
claimed, without sending anything twice that the ledger already recorded as sent. The
``delivery_key`` (alert id + channel key) is the row's primary key; ``webhook_id`` is derived from
it, so every retry (and even a re-created row) carries the same ``webhook-id`` header and the same
Pub/Sub ``dedupe_key`` attribute, and receivers can drop duplicates. A crash between a provider
accepting a message and the ledger recording it means at-least-once for Slack, e-mail and SMS,
whose APIs take no idempotency key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ValidationError
from ..model.alert import Alert, AlertId, UtcDatetime
from .base import AttemptContext, ChannelKind, ChannelSender, Outcome, PermanentFailure, Retryable, Sent
from .http import scrub
from .retry import DeliveryRetryPolicy
from .targets import ChannelTarget

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 500


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Delivery(BaseModel):
    """One row per (alert, channel). Times are aware UTC; ``last_error`` is already redacted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delivery_key: Annotated[str, Field(min_length=1, max_length=400)]
    alert_id: AlertId
    channel: ChannelKind
    channel_key: Annotated[str, Field(min_length=1, max_length=300)]
    webhook_id: Annotated[str, Field(pattern=r"^msg_[0-9a-f]{32}$")]
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: Annotated[int, Field(ge=0)] = 0
    created_at: UtcDatetime
    give_up_at: UtcDatetime
    next_attempt_at: UtcDatetime | None  # set while pending; None once final
    last_attempt_at: UtcDatetime | None = None
    sent_at: UtcDatetime | None = None
    last_error: Annotated[str, Field(max_length=MAX_ERROR_CHARS)] | None = None  # last failure seen
    provider_message_id: str | None = None
    endpoint_disabled: bool = False  # the receiver answered 410 Gone: stop sending to it

    @property
    def final(self) -> bool:
        return self.status is not DeliveryStatus.PENDING

    def is_due(self, now: dt.datetime) -> bool:
        due = self.next_attempt_at
        return self.status is DeliveryStatus.PENDING and due is not None and due <= now


def delivery_key(alert_id: str, channel_key: str) -> str:
    return f"{alert_id}/{channel_key}"


def webhook_id_for(key: str) -> str:
    return "msg_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def new_delivery(
    alert_id: str, target: ChannelTarget, *, now: dt.datetime, policy: DeliveryRetryPolicy | None = None
) -> Delivery:
    """A pending row, due at once; the give-up time is counted from now."""
    policy = policy or DeliveryRetryPolicy()
    key = delivery_key(alert_id, target.key)
    return Delivery(
        delivery_key=key,
        alert_id=alert_id,
        channel=target.kind,
        channel_key=target.key,
        webhook_id=webhook_id_for(key),
        created_at=now,
        give_up_at=now + policy.give_up_after,
        next_attempt_at=now,
    )


def _error_text(reason: str) -> str:
    text = scrub(reason)
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def record_outcome(
    delivery: Delivery,
    outcome: Outcome,
    *,
    now: dt.datetime,
    policy: DeliveryRetryPolicy | None = None,
    rng: Callable[[], float] = random.random,
) -> Delivery:
    """The row after one attempt with this outcome (pure: the caller persists it)."""
    if delivery.final:
        raise ValidationError(f"delivery {delivery.delivery_key} is already {delivery.status.value}")
    policy = policy or DeliveryRetryPolicy()
    attempts = delivery.attempts + 1
    common = {"attempts": attempts, "last_attempt_at": now}
    if isinstance(outcome, Sent):
        return delivery.model_copy(
            update={
                **common,
                "status": DeliveryStatus.SENT,
                "sent_at": now,
                "next_attempt_at": None,
                "provider_message_id": outcome.provider_message_id,
            }
        )
    if isinstance(outcome, PermanentFailure):
        return delivery.model_copy(
            update={
                **common,
                "status": DeliveryStatus.FAILED,
                "next_attempt_at": None,
                "last_error": _error_text(outcome.reason),
                "endpoint_disabled": outcome.disable_endpoint,
            }
        )
    if not isinstance(outcome, Retryable):
        raise TypeError(f"not a delivery outcome: {type(outcome).__name__}")
    when = policy.next_attempt_at(
        attempts=attempts, now=now, give_up_at=delivery.give_up_at, retry_after=outcome.retry_after, rng=rng
    )
    if when is None:
        return delivery.model_copy(
            update={
                **common,
                "status": DeliveryStatus.FAILED,
                "next_attempt_at": None,
                "last_error": _error_text(f"{outcome.reason}; gave up after {attempts} attempt(s)"),
            }
        )
    return delivery.model_copy(update={**common, "next_attempt_at": when, "last_error": _error_text(outcome.reason)})


def attempt_delivery(
    delivery: Delivery,
    alert: Alert,
    sender: ChannelSender,
    *,
    now: dt.datetime,
    policy: DeliveryRetryPolicy | None = None,
    rng: Callable[[], float] = random.random,
) -> Delivery:
    """Make one attempt if the row is due; a final or not-yet-due row comes back unchanged."""
    if alert.alert_id != delivery.alert_id or sender.channel != delivery.channel:
        raise ValidationError(
            f"delivery {delivery.delivery_key} is for alert {delivery.alert_id} via {delivery.channel}, "
            f"not alert {alert.alert_id} via {sender.channel}"
        )
    if not delivery.is_due(now):
        return delivery
    context = AttemptContext(delivery.delivery_key, delivery.webhook_id, delivery.attempts + 1, now)
    after = record_outcome(delivery, sender.attempt(alert, context), now=now, policy=policy, rng=rng)
    if after.status is DeliveryStatus.SENT:
        log.info("alert %s sent via %s after %d attempt(s)", after.alert_id, after.channel_key, after.attempts)
    elif after.status is DeliveryStatus.FAILED:
        log.warning("alert %s via %s failed: %s", after.alert_id, after.channel_key, after.last_error)
    else:
        log.warning(
            "alert %s via %s: attempt %d failed (%s); next attempt at %s",
            after.alert_id,
            after.channel_key,
            after.attempts,
            after.last_error,
            after.next_attempt_at.isoformat() if after.next_attempt_at else "-",
        )
    return after


def deliver_inline(
    delivery: Delivery,
    alert: Alert,
    sender: ChannelSender,
    *,
    policy: DeliveryRetryPolicy | None = None,
    max_inline_wait: dt.timedelta = dt.timedelta(seconds=30),
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> Delivery:
    """Attempt now and keep retrying in this process while the next wait is short.

    Returns a final row, or a pending one whose next attempt is further away than
    ``max_inline_wait``: the ledger's scheduled "deliver due rows" picks it up then.
    """
    current = attempt_delivery(delivery, alert, sender, now=clock(), policy=policy, rng=rng)
    while not current.final and current.next_attempt_at is not None:
        wait = (current.next_attempt_at - clock()).total_seconds()
        if wait > max_inline_wait.total_seconds():
            break
        if wait > 0:
            sleep(wait)
        # A sleep may end a hair early: attempt at the due time at the earliest, never "not yet due".
        now = max(clock(), current.next_attempt_at)
        current = attempt_delivery(current, alert, sender, now=now, policy=policy, rng=rng)
    return current


def deliver_due(
    rows: Iterable[Delivery],
    alert_for: Callable[[str], Alert],
    sender_for: Callable[[Delivery], ChannelSender],
    *,
    now: dt.datetime,
    policy: DeliveryRetryPolicy | None = None,
    rng: Callable[[], float] = random.random,
) -> list[Delivery]:
    """One pass of the ledger's "deliver due rows": attempts each due row once and returns only the
    rows that changed, for the caller to persist (e.g. a conditional update on ``attempts``, so two
    concurrent passes cannot both record the same attempt). Final and not-yet-due rows are skipped
    without looking up their alert or sender."""
    changed = []
    for row in rows:
        if row.is_due(now):
            changed.append(
                attempt_delivery(row, alert_for(row.alert_id), sender_for(row), now=now, policy=policy, rng=rng)
            )
    return changed
