"""Zero duplicates: whatever reaches genai_usage_events_raw more than once (Pub/Sub redelivering a
message, a client resending a batch, the same event in two batches or twice in one), the clean table
holds each (source, event_id) once, with the tokens of one call. And the consolidation is windowed,
idempotent and all-or-nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from genai_costs.errors import WarehouseError
from genai_costs.model.usage_event import UsageEvent
from genai_costs.model.usage_event_batch import event_record, timestamp_text

from .conftest import DATASET, NOW, TODAY, TOPIC, EventsWorld, openai_event

TOKENS = "SUM(input_uncached_tokens + input_cached_tokens + output_tokens)"


def _totals(world: EventsWorld) -> tuple[int, int]:
    return world.rows(f"SELECT COUNT(*), {TOKENS} FROM {DATASET}.genai_usage_events")[0]


def test_every_kind_of_duplicate_counts_once(world: EventsWorld) -> None:
    world.bus.redeliveries = 2  # every message reaches the subscription three times
    first = [openai_event(f"e{i}") for i in range(5)]
    assert world.post(first).status_code == 200
    assert world.post(first).status_code == 200  # the client resends the whole batch
    overlapping = [openai_event("e3"), openai_event("e4"), openai_event("e5"), openai_event("e5")]
    assert world.post(overlapping).status_code == 200  # e3, e4 again in another batch; e5 twice in one
    assert world.raw_copies() == 3 * (5 + 5 + 4)

    world.consolidate()
    assert world.clean("event_id, occurrences") == [
        ("e0", 6),
        ("e1", 6),
        ("e2", 6),
        ("e3", 9),
        ("e4", 9),
        ("e5", 6),
    ]
    assert _totals(world) == (6, 6 * 1200)  # the tokens of six calls, not of 42 copies
    keys = world.rows(f"SELECT COUNT(DISTINCT event_key) FROM {DATASET}.genai_usage_events")
    assert keys == [(6,)]


def test_the_same_call_reported_by_two_producers_is_kept_once_per_source(world: EventsWorld) -> None:
    world.post([openai_event("chatcmpl-1", source="gateway"), openai_event("chatcmpl-1", source="tutor-api")])
    world.consolidate()
    assert world.clean() == [("gateway", "chatcmpl-1"), ("tutor-api", "chatcmpl-1")]


def test_the_first_occurrence_wins(world: EventsWorld) -> None:
    world.post([openai_event("e1", tenant_id="first")])
    world.post([openai_event("e1", tenant_id="second", output_tokens=999)])
    world.consolidate()
    assert world.clean("event_id, tenant_id, output_tokens, occurrences") == [("e1", "first", 200, 2)]


def test_a_corrected_resend_supersedes_a_quarantined_event(world: EventsWorld) -> None:
    broken = openai_event("e1") | {"reported_total_tokens": 5}
    assert world.post([broken, openai_event("e2") | {"reported_total_tokens": 5}]).json["quarantined"] == 2
    assert world.post([openai_event("e1")]).status_code == 200
    world.consolidate()
    assert world.clean("event_id, occurrences") == [("e1", 2)]
    assert world.quarantined("event_id") == [("e2",)]


def test_consolidating_again_changes_nothing(world: EventsWorld) -> None:
    world.post([openai_event("e1"), openai_event("e2", days_ago=2), openai_event("e3") | {"reported_total_tokens": 1}])
    world.consolidate()
    columns = "* EXCLUDE (consolidated_at)"
    before = (world.clean(columns), world.quarantined(columns))
    world.consolidate()
    assert (world.clean(columns), world.quarantined(columns)) == before
    assert len(before[0]) == 2 and len(before[1]) == 1


def test_a_late_event_lands_in_its_own_day(world: EventsWorld) -> None:
    world.post([openai_event("on-time", days_ago=1)])
    world.consolidate()
    world.post([openai_event("late", days_ago=20)])  # sent 20 days after the call, e.g. from a retry queue
    result = world.consolidate()  # the scheduled trailing window: the last 3 days
    assert result.window.start == TODAY - dt.timedelta(days=3)
    assert result.events_window is not None and result.events_window.start == TODAY - dt.timedelta(days=20)
    assert world.clean("event_id, event_date") == [
        ("late", TODAY - dt.timedelta(days=20)),
        ("on-time", TODAY - dt.timedelta(days=1)),
    ]


def test_a_window_touches_no_other_day(world: EventsWorld) -> None:
    world.post([openai_event("d5", days_ago=5)])
    # ... published on its own day, five days ago (the bus stamps the time of the test run)
    world.wh.connection.execute(
        f"UPDATE {DATASET}.genai_usage_events_raw SET publish_time = publish_time - INTERVAL 5 DAY"
    )
    world.post([openai_event("d1", days_ago=1)])
    world.consolidate(start=TODAY - dt.timedelta(days=7))
    marked = f"UPDATE {DATASET}.genai_usage_events SET tenant_id = 'untouched' WHERE event_id = 'd5'"
    world.wh.connection.execute(marked)
    world.post([openai_event("d1", days_ago=1, tenant_id="changed")])
    result = world.consolidate(start=TODAY - dt.timedelta(days=2))
    assert result.events_window == result.window
    assert world.clean("event_id, tenant_id, occurrences") == [("d1", "tenant-a", 2), ("d5", "untouched", 1)]


def test_a_failing_consolidation_leaves_both_tables_as_they_were(world: EventsWorld) -> None:
    world.post([openai_event("e1"), openai_event("e2") | {"reported_total_tokens": 1}])
    world.consolidate()
    before = (world.clean(), world.quarantined())
    world.post([openai_event("e3")])
    # A quarantined copy whose tags are not JSON (only a hand-made message can say so): the quarantine
    # insert fails after the clean insert ran.
    event = UsageEvent.model_validate(openai_event("e4") | {"reported_total_tokens": 1})
    record = event_record(event, index=0, quarantine_reason="token buckets sum to 1200") | {"tags": "not json"}
    world.bus.publish(TOPIC, {"batch_id": "hand-made", "received_at": timestamp_text(NOW), "events": [record]})
    with pytest.raises(WarehouseError, match="rolled back"):
        world.consolidate()
    assert (world.clean(), world.quarantined()) == before
