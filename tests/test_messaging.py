"""Pub/Sub-shaped CloudEvents reach handlers; the handler contract maps failures to ack or retry."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cloudevents.http import CloudEvent
from pydantic import BaseModel

from genai_costs.errors import ProviderAuthError, ProviderUnavailableError
from genai_costs.handlers import handle_pubsub_event
from genai_costs.messaging.cloudevents import PUBSUB_EVENT_TYPE, decode_pubsub_payload, pubsub_cloud_event
from genai_costs.settings import Settings
from genai_costs_cli.local.inprocess import InProcessBus

SETTINGS = Settings()


class Msg(BaseModel):
    org_slug: str


def test_event_has_the_eventarc_pubsub_shape():
    event = pubsub_cloud_event("proj", "genai-payg", {"org_slug": "acme"}, {"k": "v"})
    assert event["type"] == PUBSUB_EVENT_TYPE
    assert event["source"] == "//pubsub.googleapis.com/projects/proj/topics/genai-payg"
    msg = event.data["message"]
    assert json.loads(base64.b64decode(msg["data"])) == {"org_slug": "acme"}
    assert msg["attributes"] == {"k": "v"} and msg["messageId"] == event["id"]


def test_bus_redelivers_until_success_then_dead_letters():
    bus = InProcessBus(max_delivery_attempts=3)
    calls = []

    def flaky(event):
        calls.append(event["id"])
        if len(calls) < 2:
            raise ProviderUnavailableError("503")

    bus.subscribe("t", flaky)
    bus.publish("t", {"org_slug": "acme"})
    assert len(calls) == 2 and not bus.dead_letters

    bus.subscribe("dead", lambda e: (_ for _ in ()).throw(RuntimeError("always")))
    bus.publish("dead", {"org_slug": "acme"})
    assert len(bus.dead_letters) == 1 and bus.dead_letters[0].error == "always"


def test_malformed_messages_are_acknowledged(caplog):
    work = pytest.fail
    bad_body = pubsub_cloud_event("p", "t", b"not json")
    assert handle_pubsub_event(bad_body, Msg, work, settings=SETTINGS) is None
    wrong_fields = pubsub_cloud_event("p", "t", {"nope": 1})
    assert handle_pubsub_event(wrong_fields, Msg, work, settings=SETTINGS) is None
    garbage = CloudEvent({"type": PUBSUB_EVENT_TYPE, "source": "x"}, {"message": {"data": "%%%"}})
    assert handle_pubsub_event(garbage, Msg, work, settings=SETTINGS) is None


def test_old_events_are_dropped():
    old = pubsub_cloud_event(
        "p", "t", {"org_slug": "acme"}, publish_time=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    )
    assert handle_pubsub_event(old, Msg, pytest.fail, settings=SETTINGS) is None


def test_transient_failures_raise_and_permanent_ones_are_acknowledged():
    event = pubsub_cloud_event("p", "t", {"org_slug": "acme"})

    def transient(_):
        raise ProviderUnavailableError("timeout")

    def permanent(_):
        raise ProviderAuthError("401 for secret genai-acme-openai")

    with pytest.raises(ProviderUnavailableError):
        handle_pubsub_event(event, Msg, transient, settings=SETTINGS)
    assert handle_pubsub_event(event, Msg, permanent, settings=SETTINGS) is None
    assert handle_pubsub_event(event, Msg, lambda m: m.org_slug, settings=SETTINGS) == "acme"


def test_decode_rejects_non_object_payload():
    with pytest.raises(Exception, match="JSON object"):
        decode_pubsub_payload(pubsub_cloud_event("p", "t", b"[1,2]"))


def test_forced_redeliveries_reach_each_subscriber_again_with_the_same_message_id():
    bus = InProcessBus(redeliveries=2)
    seen = []
    bus.subscribe("t", lambda event: seen.append((event["id"], event.data["message"]["publishTime"])))
    message_id = bus.publish("t", {"org_slug": "acme"})
    assert len(seen) == 3 and set(seen) == {(message_id, seen[0][1])}
