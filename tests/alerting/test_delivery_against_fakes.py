"""Delivery over loopback to the simulator's channel fakes: what arrives, and retries against each
failing fake (429 with Retry-After, 500, timeout, permanent errors, give-up after the bound)."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import pytest

from genai_costs.alerting import (
    Delivery,
    DeliveryRetryPolicy,
    DeliveryStatus,
    build_sender,
    deliver_inline,
    new_delivery,
)
from genai_costs.alerting.targets import ChannelTarget
from genai_costs.secrets import SecretStore

from .helpers import EMAIL, SLACK, SMS, WEBHOOK, VirtualClock, budget_alert, inject, received, store_sim_secrets

CHANNELS = [(SLACK, "slack"), (EMAIL, "sendgrid"), (SMS, "twilio"), (WEBHOOK, "webhook")]
POLICY = DeliveryRetryPolicy(
    initial_backoff=dt.timedelta(seconds=2), max_backoff=dt.timedelta(seconds=60), give_up_after=dt.timedelta(minutes=1)
)


def deliver(
    target: ChannelTarget,
    store: SecretStore,
    http: httpx.Client,
    *,
    rng=lambda: 0.5,
    policy: DeliveryRetryPolicy = POLICY,
) -> tuple[Delivery, VirtualClock]:
    alert = budget_alert()
    clock = VirtualClock()
    sender = build_sender(target, secrets=store, http=http)
    start = new_delivery(alert.alert_id, target, now=clock(), policy=policy)
    done = deliver_inline(
        start,
        alert,
        sender,
        policy=policy,
        clock=clock,
        sleep=clock.sleep,
        rng=rng,
        max_inline_wait=dt.timedelta(minutes=5),
    )
    return done, clock


def test_slack_receives_text_and_blocks(sim, store, secrets, http) -> None:
    done, _ = deliver(SLACK, store, http)
    assert done.status is DeliveryStatus.SENT and done.attempts == 1 and done.provider_message_id is None
    [message] = received(sim, "slack")
    assert message["text"].startswith("[genai-costs demo] Budget 'Tenant acme monthly' is at 92.4%")
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "section", "context"]
    assert message["webhook"] == "/slack/services/T0SIM0000/B0SIM0000/[REDACTED]"


def test_sendgrid_queues_one_message_per_recipient_and_returns_its_id(sim, store, secrets, http) -> None:
    done, _ = deliver(EMAIL, store, http)
    [message] = received(sim, "sendgrid")
    assert done.status is DeliveryStatus.SENT and done.provider_message_id == message["id"]
    assert [p["to"] for p in message["personalizations"]] == [
        [{"email": "finops@acme.example.com"}],
        [{"email": "cto@acme.example.com"}],
    ]
    assert message["custom_args"]["dedupe_key"] == done.webhook_id


def test_twilio_queues_the_sms_and_returns_its_sid(sim, store, secrets, http) -> None:
    done, _ = deliver(SMS, store, http)
    [message] = received(sim, "twilio")
    assert done.status is DeliveryStatus.SENT and done.provider_message_id == message["id"]
    assert done.provider_message_id.startswith("SM") and len(done.provider_message_id) == 34
    assert (message["to"], message["from"]) == ("+15551230001", "+15557650002")
    assert message["body"].startswith("genai-costs demo: Budget 'Tenant acme monthly'")


def test_webhook_arrives_signed_and_verified(sim, store, secrets, http) -> None:
    done, _ = deliver(WEBHOOK, store, http)
    [message] = received(sim, "webhook")
    assert message["verified"] and message["webhook-id"] == done.webhook_id == done.provider_message_id
    assert message["payload"]["type"] == "genai_costs.alert.budget_threshold_actual"
    assert message["payload"]["data"]["budget"]["spend_to_date"] == "9240.123456789"


@pytest.mark.parametrize("target, channel", CHANNELS)
def test_429_waits_exactly_the_retry_after(sim, store, secrets, http, target, channel) -> None:
    inject(sim, channel, "429")
    done, clock = deliver(target, store, http, rng=lambda: 0.0)  # jitter alone would wait 0 s
    assert done.status is DeliveryStatus.SENT and done.attempts == 2
    assert clock.sleeps == [1.0]  # the fakes answer Retry-After: 1
    assert done.last_error is not None and "HTTP 429" in done.last_error


@pytest.mark.parametrize("target, channel", CHANNELS)
def test_500_then_success_backs_off_with_jitter(sim, store, secrets, http, target, channel) -> None:
    inject(sim, channel, "500", "500")
    done, clock = deliver(target, store, http, rng=lambda: 0.5)
    assert done.status is DeliveryStatus.SENT and done.attempts == 3
    assert clock.sleeps == [1.0, 2.0]  # half of the 2 s, then 4 s ceilings


@pytest.mark.parametrize("target, channel", CHANNELS)
def test_timeout_then_success(sim, store, secrets, http, target, channel) -> None:
    inject(sim, channel, {"kind": "slow", "ms": 1500})  # the client gives up after 0.5 s
    done, _ = deliver(target, store, http)
    assert done.status is DeliveryStatus.SENT and done.attempts == 2
    assert "no answer in time" in (done.last_error or "")
    # The slow request still lands later: at-least-once, which is why webhook ids are stable.
    deadline = time.monotonic() + 5
    while len(received(sim, channel)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    messages = received(sim, channel)
    assert len(messages) == 2
    if channel == "webhook":
        assert {m["webhook-id"] for m in messages} == {done.webhook_id} and all(m["verified"] for m in messages)
        assert len({m["webhook-timestamp"] for m in messages}) <= 2  # each attempt signs with its own time


@pytest.mark.parametrize("target, channel", CHANNELS)
def test_rejected_credentials_are_not_retried(sim, store, secrets, http, target, channel) -> None:
    inject(sim, channel, "expired_key")
    done, clock = deliver(target, store, http)
    assert done.status is DeliveryStatus.FAILED and done.attempts == 1 and clock.sleeps == []
    assert done.last_error is not None and f"credentials in secret {target.secret_id} were rejected" in done.last_error
    requests = [r for r in sim.get("/_sim/requests").json()["requests"] if r["provider"] == channel]
    assert len(requests) == 1


def test_wrong_sendgrid_key_fails_permanently(sim, store, secrets, sim_url, http) -> None:
    store.put(EMAIL.secret_id, f'{{"api_key": "SG.not-the-right-key", "base_url": "{sim_url}/sendgrid"}}')
    done, _ = deliver(EMAIL, store, http)
    assert done.status is DeliveryStatus.FAILED and done.attempts == 1
    assert "HTTP 401" in (done.last_error or "") and received(sim, "sendgrid") == []


def test_webhook_410_disables_the_endpoint(sim, store, secrets, http) -> None:
    inject(sim, "webhook", "gone")
    done, _ = deliver(WEBHOOK, store, http)
    assert done.status is DeliveryStatus.FAILED and done.endpoint_disabled and done.attempts == 1


def test_gives_up_after_the_bound(sim, store, secrets, http) -> None:
    inject(sim, "slack", *(["500"] * 20))
    done, clock = deliver(SLACK, store, http, rng=lambda: 1.0)
    # Ceilings 2, 4, 8, 16 s add up to 30 s; the next (32 s) would pass the 60 s bound.
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0]
    assert done.status is DeliveryStatus.FAILED and done.attempts == 5
    assert done.last_error == "slack: HTTP 500 rollup_error; gave up after 5 attempt(s)"
    requests = [r for r in sim.get("/_sim/requests").json()["requests"] if r["provider"] == "slack"]
    assert len(requests) == 5


def test_wrong_signing_secret_is_rejected_by_the_receiver(sim, store, sim_url, http) -> None:
    store_sim_secrets(store, sim_url, webhook_secret="whsec_" + "A" * 32 + "QUFBQUFB")
    done, _ = deliver(WEBHOOK, store, http)
    assert done.status is DeliveryStatus.FAILED and "HTTP 401" in (done.last_error or "")
    [message] = received(sim, "webhook")
    assert not message["verified"] and message["reason"] == "No matching signature found"
