"""The delivery state machine: pending -> sent / failed, bounded, and idempotent for the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from genai_costs.alerting import (
    AttemptContext,
    Delivery,
    DeliveryRetryPolicy,
    DeliveryStatus,
    Outcome,
    PermanentFailure,
    Retryable,
    Sent,
    attempt_delivery,
    deliver_due,
    deliver_inline,
    new_delivery,
    record_outcome,
)
from genai_costs.alerting.base import ChannelKind
from genai_costs.errors import ValidationError
from genai_costs.model.alert import Alert

from .helpers import EMAIL, SLACK, SMS, WEBHOOK, VirtualClock, budget_alert

NOW = dt.datetime(2025, 10, 29, 14, 5, tzinfo=dt.UTC)
POLICY = DeliveryRetryPolicy(
    initial_backoff=dt.timedelta(seconds=10), max_backoff=dt.timedelta(minutes=5), give_up_after=dt.timedelta(hours=1)
)


@dataclass
class Scripted:
    """A sender answering from a script, recording each attempt's context."""

    outcomes: list[Outcome]
    channel: ChannelKind = "slack"
    seen: list[AttemptContext] = field(default_factory=list)

    def attempt(self, alert: Alert, context: AttemptContext) -> Outcome:
        self.seen.append(context)
        return self.outcomes.pop(0)


def fresh(target=SLACK) -> Delivery:
    return new_delivery(budget_alert().alert_id, target, now=NOW, policy=POLICY)


def test_new_delivery_is_pending_due_now_with_a_derived_webhook_id() -> None:
    d = fresh()
    assert d.status is DeliveryStatus.PENDING and d.attempts == 0 and d.is_due(NOW)
    assert d.delivery_key == f"{budget_alert().alert_id}/slack:alerts-slack"
    assert d.give_up_at == NOW + dt.timedelta(hours=1)
    again = new_delivery(budget_alert().alert_id, SLACK, now=NOW + dt.timedelta(days=1))
    assert again.webhook_id == d.webhook_id  # a re-created row keeps the id receivers deduplicate on
    assert fresh(WEBHOOK).webhook_id != d.webhook_id


def test_sent_records_provider_id() -> None:
    d = record_outcome(fresh(), Sent("SM123"), now=NOW, policy=POLICY)
    assert (d.status, d.attempts, d.provider_message_id, d.sent_at, d.next_attempt_at) == (
        DeliveryStatus.SENT,
        1,
        "SM123",
        NOW,
        None,
    )


def test_retryable_schedules_the_next_attempt() -> None:
    d = record_outcome(fresh(), Retryable("slack: HTTP 500"), now=NOW, policy=POLICY, rng=lambda: 0.5)
    assert d.status is DeliveryStatus.PENDING and d.attempts == 1 and d.last_error == "slack: HTTP 500"
    assert d.next_attempt_at == NOW + dt.timedelta(seconds=5)
    assert not d.is_due(NOW) and d.is_due(NOW + dt.timedelta(seconds=5))
    d = record_outcome(d, Retryable("slack: HTTP 429", retry_after=120), now=NOW, policy=POLICY, rng=lambda: 0.5)
    assert d.attempts == 2 and d.next_attempt_at == NOW + dt.timedelta(seconds=120)


def test_permanent_failure_is_final_and_410_disables() -> None:
    d = record_outcome(fresh(), PermanentFailure("webhook: HTTP 410", disable_endpoint=True), now=NOW, policy=POLICY)
    assert d.status is DeliveryStatus.FAILED and d.endpoint_disabled and d.next_attempt_at is None
    plain = record_outcome(fresh(), PermanentFailure("slack: HTTP 400 invalid_payload"), now=NOW, policy=POLICY)
    assert plain.status is DeliveryStatus.FAILED and not plain.endpoint_disabled


def test_gives_up_when_the_next_wait_would_pass_the_bound() -> None:
    d = record_outcome(fresh(), Retryable("slack: HTTP 429", retry_after=3601), now=NOW, policy=POLICY)
    assert d.status is DeliveryStatus.FAILED
    assert d.last_error == "slack: HTTP 429; gave up after 1 attempt(s)"


def test_final_rows_cannot_change() -> None:
    d = record_outcome(fresh(), Sent(None), now=NOW, policy=POLICY)
    with pytest.raises(ValidationError, match="already sent"):
        record_outcome(d, Retryable("x"), now=NOW, policy=POLICY)


def test_attempt_leaves_final_and_not_yet_due_rows_alone() -> None:
    alert = budget_alert()
    sender = Scripted([Retryable("slack: HTTP 500"), Sent(None)])
    first = attempt_delivery(fresh(), alert, sender, now=NOW, policy=POLICY, rng=lambda: 1.0)
    assert first.next_attempt_at == NOW + dt.timedelta(seconds=10)
    assert attempt_delivery(first, alert, sender, now=NOW + dt.timedelta(seconds=9), policy=POLICY) == first
    done = attempt_delivery(first, alert, sender, now=NOW + dt.timedelta(seconds=10), policy=POLICY)
    assert done.status is DeliveryStatus.SENT
    # "deliver due rows" run again over the same (now final) row sends nothing.
    assert attempt_delivery(done, alert, sender, now=NOW + dt.timedelta(hours=2), policy=POLICY) == done
    assert [c.attempt for c in sender.seen] == [1, 2]
    assert {c.webhook_id for c in sender.seen} == {fresh().webhook_id}


def test_attempt_refuses_a_mismatched_alert_or_channel() -> None:
    with pytest.raises(ValidationError):
        attempt_delivery(fresh(), budget_alert(threshold="75"), Scripted([Sent(None)]), now=NOW)
    with pytest.raises(ValidationError):
        attempt_delivery(fresh(), budget_alert(), Scripted([Sent(None)], channel="webhook"), now=NOW)


def test_deliver_due_attempts_only_due_rows_and_is_idempotent() -> None:
    alert = budget_alert()
    sent = record_outcome(fresh(), Sent(None), now=NOW, policy=POLICY)
    failed = record_outcome(fresh(WEBHOOK), PermanentFailure("webhook: HTTP 400"), now=NOW, policy=POLICY)
    later = record_outcome(
        new_delivery(alert.alert_id, SMS, now=NOW, policy=POLICY),
        Retryable("sms: HTTP 500", 60),
        now=NOW,
        policy=POLICY,
    )
    due = new_delivery(alert.alert_id, EMAIL, now=NOW, policy=POLICY)
    senders = {"email": Scripted([Sent("m-1")], channel="email"), "sms": Scripted([Sent("SM1")], channel="sms")}
    lookups: list[str] = []

    def alert_for(alert_id: str) -> Alert:
        lookups.append(alert_id)
        return alert

    rows = [sent, failed, later, due]
    changed = deliver_due(rows, alert_for, lambda r: senders[r.channel], now=NOW, policy=POLICY)
    assert [r.delivery_key for r in changed] == [due.delivery_key] and changed[0].status is DeliveryStatus.SENT
    assert lookups == [alert.alert_id]
    rows = [sent, failed, later, changed[0]]
    assert deliver_due(rows, alert_for, lambda r: senders[r.channel], now=NOW, policy=POLICY) == []
    later_pass = deliver_due(rows, alert_for, lambda r: senders[r.channel], now=NOW + dt.timedelta(seconds=60))
    assert [(r.channel, r.status) for r in later_pass] == [("sms", DeliveryStatus.SENT)]
    assert len(senders["email"].seen) == 1 and len(senders["sms"].seen) == 1


def test_deliver_inline_stops_at_long_waits_for_the_ledger() -> None:
    clock = VirtualClock(now=NOW)
    sender = Scripted([Retryable("slack: HTTP 503", retry_after=5), Retryable("slack: HTTP 429", retry_after=600)])
    d = deliver_inline(fresh(), budget_alert(), sender, policy=POLICY, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [5.0]
    assert d.status is DeliveryStatus.PENDING and d.attempts == 2
    assert d.next_attempt_at == NOW + dt.timedelta(seconds=605)


def test_delivery_round_trips_as_a_ledger_row() -> None:
    d = record_outcome(fresh(), Retryable("slack: HTTP 500"), now=NOW, policy=POLICY, rng=lambda: 0.3)
    assert Delivery.model_validate_json(d.model_dump_json()) == d


def test_last_error_is_bounded() -> None:
    d = record_outcome(fresh(), PermanentFailure("x" * 5000), now=NOW, policy=POLICY)
    assert d.last_error is not None and len(d.last_error) == 500
