"""Alerts on a Pub/Sub topic: embedded through the in-process bus (the same CloudEvent a cloud
subscriber function receives), and the cloud publisher's failures mapped to outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest
from cloudevents.http import CloudEvent
from google.api_core import exceptions as gexc

from genai_costs.alerting import DeliveryStatus, PermanentFailure, PubSubTarget, Retryable, build_sender, deliver_inline
from genai_costs.alerting import new_delivery as new_row
from genai_costs.alerting.base import AttemptContext
from genai_costs.errors import ConfigurationError
from genai_costs.messaging import Publisher
from genai_costs.messaging.cloudevents import decode_pubsub_payload
from genai_costs_cli.local.inprocess import InProcessBus

from .helpers import VirtualClock, budget_alert, operational_alert

TOPIC = PubSubTarget(topic="genai-costs-alerts")
CONTEXT = AttemptContext("k", "msg_" + "2" * 32, 1, dt.datetime(2025, 10, 29, tzinfo=dt.UTC))


def test_subscriber_receives_envelope_and_attributes(store) -> None:
    bus, got = InProcessBus(), []
    bus.subscribe("genai-costs-alerts", got.append)
    alert = budget_alert()
    clock = VirtualClock()
    row = new_row(alert.alert_id, TOPIC, now=clock())
    done = deliver_inline(row, alert, build_sender(TOPIC, secrets=store, publisher=bus), clock=clock)
    assert done.status is DeliveryStatus.SENT and done.provider_message_id == got[0]["id"]
    event: CloudEvent = got[0]
    assert decode_pubsub_payload(event)["data"]["budget"]["spend_to_date"] == "9240.123456789"
    assert event.data["message"]["attributes"] == {
        "alert_id": alert.alert_id,
        "kind": "budget_threshold_actual",
        "org_slug": "demo",
        "dedupe_key": row.webhook_id,
        "schema_version": "1",
        "budget_id": "bud_acme",
    }


class Failing(Publisher):
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def publish(self, topic: str, payload: Mapping, attributes: Mapping[str, str] | None = None) -> str:
        raise self.exc


@pytest.mark.parametrize(
    "exc, expected",
    [
        (gexc.NotFound("topic"), PermanentFailure),
        (gexc.PermissionDenied("no"), PermanentFailure),
        (gexc.ServiceUnavailable("later"), Retryable),
        (gexc.DeadlineExceeded("slow"), Retryable),
        (TimeoutError(), Retryable),
    ],
)
def test_publisher_failures_map_to_outcomes(store, exc: Exception, expected: type) -> None:
    sender = build_sender(TOPIC, secrets=store, publisher=Failing(exc))
    outcome = sender.attempt(operational_alert(), CONTEXT)
    assert isinstance(outcome, expected) and "genai-costs-alerts" in outcome.reason


def test_pubsub_target_needs_a_publisher(store) -> None:
    with pytest.raises(ConfigurationError, match="publisher"):
        build_sender(TOPIC, secrets=store)
