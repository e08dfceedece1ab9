"""The contract between record_usage's message, the raw table a BigQuery subscription writes it into
(use_table_schema: top-level keys are columns) and the clean tables: every event field has a column,
and a message the table cannot take is dead-lettered, never half-written."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any, get_args

import pytest
from cloudevents.http import CloudEvent

from genai_costs.messaging.cloudevents import pubsub_cloud_event
from genai_costs.model.usage_event import MAX_BATCH_BYTES, UsageEvent, parse_batch
from genai_costs.model.usage_event_batch import MAX_MESSAGE_BYTES, batch_message
from genai_costs.paths import sql_root
from genai_costs.warehouse.tables import FieldSpec, load_table_specs
from genai_costs_cli.local.bigquery_subscription import METADATA_COLUMNS, conform_record

from .conftest import DATASET, NOW, TOPIC, EventsWorld, openai_event

SPECS = load_table_specs(sql_root())
RAW, CLEAN, QUARANTINE = (
    SPECS[n] for n in ("genai_usage_events_raw", "genai_usage_events", "genai_usage_events_quarantine")
)
EVENT_FIELDS = list(UsageEvent.model_fields)
BQ_TYPES = {str: "STRING", int: "INT64", bool: "BOOL", dt.datetime: "TIMESTAMP", Decimal: "NUMERIC"}


def _bigquery_type(annotation: Any) -> str:
    for arg in (annotation, *get_args(annotation), *(a for x in get_args(annotation) for a in get_args(x))):
        if arg in BQ_TYPES:
            return BQ_TYPES[arg]
        if get_args(arg) and all(isinstance(a, str) for a in get_args(arg)):  # a Literal of names
            return "STRING"
    raise AssertionError(f"no BigQuery type for {annotation}")


def _events_struct() -> list[FieldSpec]:
    (events,) = [f for f in RAW.fields if f.name == "events"]
    assert events.type == "RECORD" and events.mode == "REPEATED"
    return events.fields or []


def test_every_event_field_has_a_typed_column_in_each_table() -> None:
    raw_event = {f.name: f for f in _events_struct()}
    assert list(raw_event) == [*EVENT_FIELDS, "event_index", "quarantine_reason"]
    clean = {f.name: f for f in CLEAN.fields}
    for name, info in UsageEvent.model_fields.items():
        expected = "JSON" if name == "tags" else _bigquery_type(info.annotation)
        assert clean[name].type == expected, name
        assert raw_event[name].type == ("STRING" if name == "tags" else expected), name
        optional = type(None) in get_args(info.annotation)
        assert (raw_event[name].mode == "NULLABLE") == optional, name
    assert [f.name for f in QUARANTINE.fields] == [
        *[f.name for f in CLEAN.fields][: 3 + len(EVENT_FIELDS)],
        "quarantine_reason",
        *[f.name for f in CLEAN.fields][3 + len(EVENT_FIELDS) :],
    ]


def test_the_tables_are_partitioned_and_clustered_for_their_readers() -> None:
    assert RAW.partition_field == "publish_time" and RAW.timePartitioning.requirePartitionFilter
    assert CLEAN.partition_field == "event_date" and CLEAN.clustering.fields == ["tenant_id", "model"]
    assert [c for c in METADATA_COLUMNS if c in RAW.field_names] == list(METADATA_COLUMNS)
    types = {f.name: f.type for f in RAW.fields}
    assert (types["subscription_name"], types["message_id"], types["publish_time"], types["attributes"]) == (
        "STRING",
        "STRING",
        "TIMESTAMP",
        "JSON",
    )


def _message_payload(events: list[dict[str, Any]]) -> dict[str, Any]:
    outcomes = parse_batch({"events": events}, received_at=NOW)
    message = batch_message(outcomes, batch_id="b1", received_at=NOW, caller=None)
    assert message is not None
    return json.loads(message.data)


def test_a_message_with_every_field_set_fits_the_raw_table() -> None:
    full = openai_event("e1") | {
        "response_id": "chatcmpl-1",
        "request_id": "req_1",
        "api_key_id": "key_1",
        "project_id": "proj_1",
        "region": "us-east-1",
        "deployment": "gpt-4o-prod",
        "cache_write_5m_tokens": 1,
        "cache_write_1h_tokens": 2,
        "input_audio_tokens": 3,
        "output_audio_tokens": 4,
        "reasoning_tokens": 5,
        "web_search_requests": 1,
        "service_tier": "Priority",
        "is_batch": True,
        "context_window": "0-200k",
        "status": "failed",
        "latency_ms": 812,
        "feature": "hints",
        "environment": "prod",
        "tags": {"team": "learning", "cohort": 2026},
        "client_cost_usd": "0.000123456",
    }
    payload = _message_payload([full])
    row = conform_record(payload, [f for f in RAW.fields if f.name not in METADATA_COLUMNS], where=RAW.name)
    (event,) = row["events"]
    assert set(event) == {f.name for f in _events_struct()}
    assert event["tags"] == '{"cohort":"2026","team":"learning"}'
    assert event["client_cost_usd"] == Decimal("0.000123456")
    assert event["service_tier"] == "priority" and event["event_index"] == 0


def test_the_largest_valid_request_fits_one_message() -> None:
    tags = {f"k{i:02d}": "v" * 256 for i in range(20)}
    event = openai_event("e" * 256, tags=tags, tenant_id="t" * 256, user_id="u" * 256, model="m" * 256)
    count = min(1000, MAX_BATCH_BYTES // (len(json.dumps(event)) + 2) - 1)
    body = json.dumps({"events": [event | {"event_id": f"{i:04d}" + "e" * 252} for i in range(count)]}).encode()
    assert len(body) <= MAX_BATCH_BYTES
    outcomes = parse_batch(body, received_at=NOW)
    assert {o.status for o in outcomes} == {"accepted"}
    message = batch_message(outcomes, batch_id="b1", received_at=NOW, caller="x" * 128)
    assert message is not None and len(message.data) < MAX_MESSAGE_BYTES
    small = [{"event_id": f"{i}", "source": "s", "occurred_at": NOW.timestamp() - 60, "provider": "openai",
              "model": "m", "prompt_tokens": 1} for i in range(1000)]  # fmt: skip
    message = batch_message(parse_batch({"events": small}, received_at=NOW), batch_id="b", received_at=NOW, caller=None)
    assert message is not None and len(message.data) < MAX_MESSAGE_BYTES


def _event(payload: dict[str, Any]) -> CloudEvent:
    return pubsub_cloud_event("local", TOPIC, payload)


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda p: p | {"org": "acme"}, r"no column for \['org'\]"),
        (lambda p: {k: v for k, v in p.items() if k != "batch_id"}, r"batch_id: REQUIRED value missing"),
        (lambda p: p | {"events": p["events"][0]}, r"events: REPEATED column needs an array"),
        (lambda p: p | {"received_at": "2026-01-01T00:00:00"}, r"has no time zone"),
        (lambda p: _first(p, input_cached_tokens="400"), r"input_cached_tokens: str value does not fit a INT64"),
        (lambda p: _first(p, client_cost_usd="0.0000000001"), r"does not fit NUMERIC"),
        (lambda p: _first(p, is_batch=1), r"is_batch: int value does not fit a BOOL"),
        (lambda p: _first(p, model=None), r"events\[0\].model: REQUIRED value missing"),
    ],
)
def test_a_message_the_table_refuses_is_dead_lettered_and_not_written(world: EventsWorld, change, error) -> None:
    payload = change(_message_payload([openai_event("e1")]))
    world.bus.publish(TOPIC, payload)
    assert world.raw_copies() == 0
    (dead,) = world.bus.dead_letters
    assert dead.topic == TOPIC
    assert re.search(error, dead.error), dead.error


def _first(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return payload | {"events": [payload["events"][0] | changes]}


def test_a_redelivered_message_is_written_again_with_its_metadata(world: EventsWorld) -> None:
    event = _event(_message_payload([openai_event("e1")]))
    subscriber = world.bus.subscribers[TOPIC][0]
    subscriber(event)
    subscriber(event)
    rows = world.rows(f"SELECT message_id, publish_time, batch_id FROM {DATASET}.genai_usage_events_raw")
    assert len(rows) == 2 and rows[0] == rows[1]
    assert rows[0][0] == event["id"]
    published = base64.b64decode(event.data["message"]["data"])
    assert json.loads(published)["batch_id"] == rows[0][2]
