"""The client on the caller's side: attribution, batching, never raising, never blocking, bounded memory,
flushing on close and at exit."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from genai_costs.model.usage_event import parse_batch
from genai_costs_client import (
    CallableSink,
    MemorySink,
    SinkError,
    TransientSinkError,
    UsageClient,
    attribution,
)
from genai_costs_client.wire import MAX_BATCH_BYTES, encode_event, split_batches

from . import sdk_responses as sdk

CLIENT_SRC = Path(__file__).resolve().parents[2] / "client" / "src"
USAGE = {"provider": "openai", "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 2}


def make(sink, **options) -> UsageClient:
    return UsageClient(sink, source="tutor-api", **{"flush_interval": 0.01, **options})


class HangingSink:
    """A sink whose endpoint never answers (until the test releases it)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def send(self, batch):
        self.calls += 1
        self.release.wait(60)
        raise TransientSinkError("timed out")

    def close(self) -> None:
        return None


class FailingSink:
    def __init__(self, error: Exception, failures: int = 10**9) -> None:
        self.error, self.failures, self.calls = error, failures, 0
        self.delivered = MemorySink()

    def send(self, batch):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return self.delivered.send(batch)

    def close(self) -> None:
        return None


# --- attribution ----------------------------------------------------------------------------------
def test_attribution_is_set_once_per_request_and_overridable_per_call():
    sink = MemorySink()
    client = make(sink, service="tutor-api", environment="prod")
    with attribution(tenant_id="school-12", user_id="learner-7", workflow_id="lesson-3", tags={"subject": "math"}):
        with attribution(feature="hints"):
            client.record(sdk.openai_chat_reasoning())
        client.record(sdk.anthropic_message(), user_id="teacher-1", tags={"grade": 7})
    client.record_usage(USAGE)
    assert client.close()
    first, second, outside = sink.events
    assert {k: first.get(k) for k in ("tenant_id", "user_id", "service", "workflow_id", "feature", "environment")} == {
        "tenant_id": "school-12",
        "user_id": "learner-7",
        "service": "tutor-api",
        "workflow_id": "lesson-3",
        "feature": "hints",
        "environment": "prod",
    }
    assert first["tags"] == {"subject": "math"} and first["source"] == "tutor-api"
    assert (second["user_id"], second.get("feature"), second["tags"]) == (
        "teacher-1",
        None,
        {"subject": "math", "grade": "7"},
    )
    assert "tenant_id" not in outside and outside["service"] == "tutor-api"


def test_attribution_never_leaks_between_threads_or_tasks():
    sink = MemorySink()
    client = make(sink)

    def request(tenant: str) -> None:
        with attribution(tenant_id=tenant, user_id=f"user-of-{tenant}"):
            time.sleep(0.001)
            client.record_usage({**USAGE, "event_id": tenant})

    threads = [threading.Thread(target=request, args=(f"t{i}",)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    async def task(tenant: str) -> None:
        with attribution(tenant_id=tenant, user_id=f"user-of-{tenant}"):
            await asyncio.sleep(0.001)
            client.record_usage({**USAGE, "event_id": tenant})

    async def both() -> None:
        await asyncio.gather(*(task(f"a{i}") for i in range(20)))

    asyncio.run(both())
    assert client.close()
    assert len(sink.events) == 40
    assert all(e["tenant_id"] == e["event_id"] and e["user_id"] == f"user-of-{e['event_id']}" for e in sink.events)


def test_a_plain_usage_dict_keeps_its_own_names():
    sink = MemorySink()
    client = make(sink)
    with attribution(user_id="from-context", tenant_id="school-12"):
        event_id = client.record_usage({**USAGE, "learner_id": "learner-9", "openai_request_id": "chatcmpl-9"})
    assert client.close()
    (event,) = sink.events
    assert event_id == "chatcmpl-9"
    assert (event["learner_id"], event["tenant_id"]) == ("learner-9", "school-12") and "user_id" not in event
    assert "event_id" not in event  # the server defaults it to the response id
    assert (parse_batch({"events": [event]}, received_at=_received(event))[0]).event.user_id == "learner-9"


def test_calls_without_a_provider_id_get_a_unique_event_id():
    sink = MemorySink()
    client = make(sink)
    ids = {client.record(sdk.openai_embeddings()) for _ in range(3)}
    assert client.close()
    assert len(ids) == 3 and ids == {e["event_id"] for e in sink.events}


def test_tags_the_server_would_reject_are_dropped_not_the_event():
    sink = MemorySink()
    client = make(sink)
    client.record_usage(USAGE, tags={"ok": "1", "bad key": "x", "long": "v" * 300, **{f"k{i}": i for i in range(30)}})
    assert client.close()
    (event,) = sink.events
    assert len(event["tags"]) == 20 and "bad key" not in event["tags"] and "long" not in event["tags"]
    assert client.stats().tags_dropped == 13


# --- batching and flushing ----------------------------------------------------------------------
def test_close_flushes_everything_in_batches_of_at_most_1000():
    sink = MemorySink()
    client = make(sink, flush_interval=5.0)  # a long linger: close must not wait for it
    ids = [client.record_usage({**USAGE, "event_id": f"e{i}"}) for i in range(2500)]
    started = time.perf_counter()
    assert client.close(timeout=10)
    assert time.perf_counter() - started < 4.0
    assert [len(b.events) for b in sink.batches] == [1000, 1000, 500]
    assert sorted(e["event_id"] for e in sink.events) == sorted(ids)
    stats = client.stats()
    assert (stats.recorded, stats.sent, stats.accepted, stats.dropped) == (2500, 2500, 2500, 0)


def test_flush_delivers_what_was_recorded_and_keeps_the_client_open():
    sink = MemorySink()
    client = make(sink, flush_interval=5.0)
    client.record_usage(USAGE)
    assert client.flush(timeout=5) and len(sink.events) == 1
    client.record_usage(USAGE)
    assert client.close() and len(sink.events) == 2


def test_batches_stay_under_5_mb_and_the_server_accepts_each():
    sink = MemorySink()
    client = make(sink, flush_interval=5.0)
    big_tags = {f"tag{i}": "x" * 256 for i in range(20)}  # about 5.6 kB per event
    for i in range(1500):
        client.record_usage({**USAGE, "event_id": f"e{i}"}, tags=big_tags)
    assert client.close(timeout=20)
    assert len(sink.events) == 1500
    sizes = [len(b.body) for b in sink.batches]
    assert len(sizes) >= 2 and max(sizes) <= MAX_BATCH_BYTES
    assert all(len(b.events) <= 1000 for b in sink.batches)
    for batch in sink.batches:  # the exact bodies pass the server's own limits
        assert len(parse_batch(batch.body, received_at=_received(batch.events[0]))) == len(batch.events)


def test_split_batches_at_exact_limits():
    events = [{"i": i} for i in range(5)]
    encoded = [encode_event(e) for e in events]  # 7 bytes each
    body_of_two = len(b'{"events":[]}') + 7 * 2 + 1
    sizes = [len(b.events) for b in split_batches(events, encoded, max_bytes=body_of_two)]
    assert sizes == [2, 2, 1]
    assert [len(b.events) for b in split_batches(events, encoded, max_bytes=body_of_two - 1)] == [1, 1, 1, 1, 1]
    assert [len(b.events) for b in split_batches(events, encoded, max_events=3)] == [3, 2]
    (batch,) = split_batches(events[:2], encoded[:2])
    assert json.loads(batch.body) == {"events": [{"i": 0}, {"i": 1}]}


# --- failures never reach the caller ------------------------------------------------------------
def test_a_failing_sink_never_raises_into_the_caller_and_retries_are_bounded(caplog):
    sink = FailingSink(RuntimeError("connection refused"))
    client = make(sink, max_attempts=3, backoff=0.001, flush_interval=0.05)
    with caplog.at_level(logging.WARNING, logger="genai_costs_client"):
        for _ in range(50):
            assert client.record_usage(USAGE) is not None
        client.close(timeout=5)
    stats = client.stats()
    assert stats.dropped_send_failed == 50 and stats.sent == 0
    batches = sink.calls // 3
    assert sink.calls == 3 * batches and stats.retries == 2 * batches
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert dropped and "gave up after 3 attempt(s): RuntimeError: connection refused" in dropped[0].getMessage()
    assert len(dropped) == 1  # rate-limited: one line per kind per minute


def test_a_transient_failure_is_retried_then_delivered():
    sink = FailingSink(TransientSinkError("503"), failures=2)
    client = make(sink, max_attempts=3, backoff=0.001)
    client.record_usage(USAGE)
    assert client.close()
    assert len(sink.delivered.events) == 1 and client.stats().retries == 2


def test_a_permanent_refusal_is_not_retried():
    sink = FailingSink(SinkError("400 bad request"))
    client = make(sink, max_attempts=5, backoff=0.001)
    client.record_usage(USAGE)
    client.close()
    assert sink.calls == 1 and client.stats().dropped_send_failed == 1


def test_record_never_raises_on_what_it_cannot_map():
    client = make(MemorySink())
    assert client.record(object()) is None
    assert client.record({"choices": []}) is None
    assert client.record(sdk.openai_chat_reasoning(), colour="blue") is None  # an unknown field
    assert client.record_usage(None) is None  # type: ignore[arg-type]
    client.close()
    assert client.stats().dropped_unmappable == 4


def test_a_hanging_sink_never_blocks_the_caller():
    sink = HangingSink()
    client = make(sink, max_queue=100)
    response = sdk.openai_chat_reasoning()
    durations: list[float] = []

    def caller() -> None:
        for _ in range(2000):
            started = time.perf_counter()
            client.record(response)
            durations.append(time.perf_counter() - started)

    thread = threading.Thread(target=caller, daemon=True)  # if record ever blocked, the join times out
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "record() blocked on a hanging sink"
    durations.sort()
    # Each call only maps the response and puts a dict on a queue; generous bounds for a loaded CI box.
    assert durations[len(durations) // 2] < 0.005 and durations[-1] < 0.25
    stats = client.stats()
    assert stats.queue_depth <= 100
    assert stats.recorded + stats.dropped_queue_full == 2000 and stats.dropped_queue_full >= 2000 - 100 - 1000
    started = time.perf_counter()
    assert client.close(timeout=0.5) is False  # it could not deliver, and it says so
    assert time.perf_counter() - started < 2.0
    sink.release.set()


def test_memory_stays_bounded_under_a_flood():
    sink = HangingSink()
    client = make(sink, max_queue=500)
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            client.record_usage({**USAGE, "event_id": f"flood-{i}"}, tags={"subject": "math"})
        grown = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    stats = client.stats()
    # 20,000 queued events would take about 14 MB; the queue holds 500 plus one batch in flight.
    assert grown < 4_000_000, grown
    assert stats.queue_depth <= 500 and stats.dropped_queue_full >= 18_500
    client.close(timeout=0.2)
    sink.release.set()


def test_record_after_close_is_dropped_and_counted():
    client = make(MemorySink())
    assert client.close() and client.close()
    assert client.record_usage(USAGE) is None
    assert client.stats().dropped_closed == 1


def test_interpreter_exit_flushes_without_close(tmp_path):
    out = tmp_path / "events.jsonl"
    script = f"""
import json, sys
sys.path.insert(0, {str(CLIENT_SRC)!r})
from genai_costs_client import CallableSink, UsageClient

def write(events):
    with open({str(out)!r}, "a") as f:
        f.write(json.dumps(events) + "\\n")

client = UsageClient(CallableSink(write), source="batch-job", flush_interval=30)
for i in range(5):
    client.record_usage({{"provider": "openai", "model": "gpt-4o", "prompt_tokens": 1, "event_id": f"e{{i}}"}})
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    events = [e for line in out.read_text().splitlines() for e in json.loads(line)]
    assert [e["event_id"] for e in events] == [f"e{i}" for i in range(5)]


def test_the_client_imports_neither_pydantic_nor_the_server_library_nor_sdks():
    probe = (
        f"import sys; sys.path.insert(0, {str(CLIENT_SRC)!r}); before = set(sys.modules); import genai_costs_client; "
        "heavy = ('pydantic', 'genai_costs.', 'openai', 'anthropic', 'google.', 'boto3', 'botocore'); "
        "print(sorted(m for m in set(sys.modules) - before if m.startswith(heavy)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], check=True, timeout=60, capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_starts_with_its_own_queue_and_worker(tmp_path):
    out = tmp_path / "events.jsonl"

    def write(events):
        with open(out, "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "ids": [e["event_id"] for e in events]}) + "\n")

    client = make(CallableSink(write), flush_interval=30)
    for i in range(3):
        client.record_usage({**USAGE, "event_id": f"parent-{i}"})  # lingering in the parent's worker
    pid = os.fork()
    if pid == 0:  # the child: record one event of its own and exit without running pytest's teardown
        try:
            client.record_usage({**USAGE, "event_id": "child-0"})
            client.close(timeout=5)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    client.close(timeout=5)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    by_pid = {line["pid"]: line["ids"] for line in lines}
    assert by_pid == {pid: ["child-0"], os.getpid(): ["parent-0", "parent-1", "parent-2"]}


def _received(event):
    from datetime import datetime, timedelta

    return datetime.fromisoformat(event["occurred_at"]) + timedelta(seconds=1)
