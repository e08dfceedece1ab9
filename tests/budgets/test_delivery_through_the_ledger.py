"""Deliveries persisted in the ledger and retried across evaluation passes against failing channel
fakes: backoff, the server's Retry-After, giving up at the bound, a receiver that is gone for good;
each attempt claimed first and recorded only by the sender that holds the claim."""

from __future__ import annotations

import datetime as dt

import pytest

from genai_costs.alerting.http import new_http_client
from genai_costs.alerting.retry import DeliveryRetryPolicy
from genai_costs.budgets.dispatch import Dispatcher
from tests.alerting.helpers import EMAIL, SLACK, SMS, WEBHOOK, inject, received

from .conftest import DATASET


@pytest.fixture
def now() -> dt.datetime:
    """The webhook receiver rejects timestamps more than 5 minutes off: passes use the real clock."""
    current = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return max(current, current.replace(day=1, hour=0, minute=0, second=0) + dt.timedelta(minutes=3))


@pytest.fixture
def dispatcher(channel_secrets):
    store, _ = channel_secrets
    with new_http_client(timeout=2) as http:
        # rng 1.0: the full backoff ceiling, so the next attempt time is exact.
        yield Dispatcher(secrets=store, http=http, rng=lambda: 1.0, sleep=lambda _s: None)


def crossing(world, now, channels):
    world.budget("acme", "100", scope={"tenant": "acme"}, thresholds=[{"percent": 90}], channels=channels)
    world.event(now - dt.timedelta(minutes=2), "95", tenant="acme")


def by_channel(world):
    return {d["channel"]: d for d in world.deliveries()}


def test_a_failing_channel_is_retried_by_the_next_pass_after_its_backoff(world, sim, dispatcher, now):
    crossing(world, now, [SLACK.model_dump(), EMAIL.model_dump(), SMS.model_dump(), WEBHOOK.model_dump()])
    inject(sim, "slack", "500")
    inject(sim, "sendgrid", "429")  # with Retry-After: 1
    inject(sim, "twilio", "500")
    inject(sim, "webhook", "500")
    world.evaluate(now, dispatcher)
    first = by_channel(world)
    assert {c: (d["status"], d["attempts"]) for c, d in first.items()} == {
        "slack": ("pending", 1),
        "email": ("pending", 1),
        "sms": ("pending", 1),
        "webhook": ("pending", 1),
    }
    assert first["slack"]["next_attempt_at"] == now + dt.timedelta(seconds=10)  # initial backoff, full jitter 1.0
    assert first["email"]["next_attempt_at"] == now + dt.timedelta(seconds=1)  # the server's Retry-After
    assert "HTTP 500" in first["slack"]["last_error"] and "HTTP 429" in first["email"]["last_error"]
    assert all(d["claim_id"] is None for d in first.values())  # released with the outcome
    assert received(sim, "slack") == []

    world.evaluate(now + dt.timedelta(seconds=5), dispatcher)  # only e-mail is due
    assert by_channel(world)["email"]["status"] == "sent"
    assert by_channel(world)["slack"]["attempts"] == 1

    world.evaluate(now + dt.timedelta(seconds=30), dispatcher)
    after = by_channel(world)
    assert {c: (d["status"], d["attempts"]) for c, d in after.items()} == {
        "slack": ("sent", 2),
        "email": ("sent", 2),
        "sms": ("sent", 2),
        "webhook": ("sent", 2),
    }
    (mail,) = received(sim, "sendgrid")
    assert len(received(sim, "slack")) == 1 and len(mail["personalizations"]) == 2  # one per recipient
    assert len(received(sim, "twilio")) == 1
    hooks = received(sim, "webhook")
    assert len(hooks) == 1 and hooks[0]["verified"] and hooks[0]["webhook-id"] == after["webhook"]["webhook_id"]
    assert after["sms"]["provider_message_id"].startswith("SM")


def test_a_delivery_gives_up_when_its_time_is_over(world, sim, channel_secrets, now):
    store, _ = channel_secrets
    policy = DeliveryRetryPolicy(give_up_after=dt.timedelta(minutes=1))
    crossing(world, now, [SLACK.model_dump()])
    inject(sim, "slack", *["500"] * 10)
    with new_http_client(timeout=2) as http:
        dispatcher = Dispatcher(secrets=store, http=http, policy=policy, rng=lambda: 1.0)
        for seconds in (0, 11, 40, 90):
            world.evaluate(now + dt.timedelta(seconds=seconds), dispatcher)
    slack = by_channel(world)["slack"]
    assert slack["status"] == "failed" and slack["next_attempt_at"] is None
    assert slack["attempts"] == 3 and "HTTP 500" in slack["last_error"]
    assert received(sim, "slack") == []


def test_a_receiver_that_is_gone_is_not_sent_to_again(world, sim, dispatcher, now):
    crossing(world, now, [WEBHOOK.model_dump()])
    inject(sim, "webhook", "gone")
    world.evaluate(now, dispatcher)
    gone = by_channel(world)["webhook"]
    assert (gone["status"], gone["endpoint_disabled"]) == ("failed", True)
    # A later alert to the same target fails at once, without a request.
    world.event(now - dt.timedelta(minutes=1), "10", tenant="acme")
    world.budget(
        "acme 2", "10", scope={"tenant": "acme"}, thresholds=[{"percent": 50}], channels=[WEBHOOK.model_dump()]
    )
    requests_before = len(received(sim, "webhook"))
    world.evaluate(now + dt.timedelta(seconds=1), dispatcher)
    rows = world.deliveries()
    assert len(rows) == 2 and all(r["status"] == "failed" and r["endpoint_disabled"] for r in rows)
    assert len(received(sim, "webhook")) == requests_before


def test_a_claim_held_by_a_crashed_sender_lapses(world, sim, dispatcher, now):
    crossing(world, now, [SLACK.model_dump()])
    world.evaluate(now)  # pending, nothing sent
    crashed = dispatcher.claim(world.wh, DATASET, now)  # claimed, then the sender died
    assert dispatcher.deliver(world.wh, DATASET, now=now + dt.timedelta(minutes=1)) == []  # still held
    assert [d["claim_id"] for d in world.deliveries()] == [crashed]
    sent = dispatcher.deliver(world.wh, DATASET, now=now + dispatcher.lease + dt.timedelta(seconds=1))
    assert [d.status.value for d in sent] == ["sent"]
    assert len(received(sim, "slack")) == 1


def test_a_missing_secret_fails_the_delivery_with_the_reason(world, sim, dispatcher, now):
    world.budget(
        "acme",
        "100",
        scope={"tenant": "acme"},
        thresholds=[{"percent": 90}],
        channels=[{"kind": "slack", "secret_id": "no-such-secret"}, {"kind": "pubsub", "topic": "genai-alerts"}],
    )
    world.event(now - dt.timedelta(minutes=2), "95", tenant="acme")
    world.evaluate(now, dispatcher)
    rows = by_channel(world)
    assert rows["slack"]["status"] == "failed" and "no-such-secret" in rows["slack"]["last_error"]
    # Embedded there is no Pub/Sub publisher: the reason says so instead of a crash.
    assert rows["pubsub"]["status"] == "failed" and "publisher" in rows["pubsub"]["last_error"]
