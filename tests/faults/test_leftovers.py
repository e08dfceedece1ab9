"""Class 7 (first half), leftovers: a run killed in the middle (SIGKILL: no handler, no finally)
leaves a ``started`` ledger row and its write lease. The next run of an overlapping window closes
that row as ``abandoned`` once the function timeout has passed, takes the lapsed lease and runs."""

from __future__ import annotations

import datetime as dt
import signal
import time

import pytest

from genai_costs.errors import RunConflictError
from genai_costs.runs import lifecycle

from .conftest import END, START, ingest, inject, lease_holder, ledger, start_run_process, wait_for

TIMEOUT = 2  # seconds: the function timeout both runs are given


def started_only(rows):
    finished = {r["run_id"] for r in rows if r["status"] != "started"}
    return [r for r in rows if r["status"] == "started" and r["run_id"] not in finished]


def kill_a_run_in_the_middle(warehouse, data, simulator, timeout: int = TIMEOUT) -> str:
    """A run in another process, SIGKILLed while the provider is answering; returns its run id."""
    inject(simulator, "openai", [{"kind": "slow", "ms": 20_000}])
    victim = start_run_process(data, "openai", timeout=timeout, margin=0)
    try:
        wait_for(lambda: lease_holder(warehouse), "the victim to take its write lease")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
    (left,) = started_only(ledger(warehouse))
    assert left["run_id"] == lease_holder(warehouse)  # killed holding the lease, without a word in the ledger
    return left["run_id"]


def test_the_next_run_closes_a_killed_run_as_abandoned(shared_warehouse, simulator, monkeypatch):
    warehouse, store, data = shared_warehouse
    killed = kill_a_run_in_the_middle(warehouse, data, simulator)

    time.sleep(TIMEOUT + 0.5)  # the function timeout has passed: no process of that run is alive
    monkeypatch.setattr(lifecycle, "CLOCK_MARGIN", dt.timedelta(0))
    from genai_costs.ingestion.payg import ingest_payg
    from genai_costs.model.messages import PaygMessage

    result = ingest_payg(
        PaygMessage(org_slug="acme", provider="openai", start_date=START + dt.timedelta(days=1), end_date=END),
        warehouse=warehouse,
        secrets=store,
        run_timeout_seconds=TIMEOUT,
    )

    rows = ledger(warehouse)
    assert started_only(rows) == []
    (abandoned,) = [r for r in rows if r["status"] == "abandoned"]
    assert abandoned["run_id"] == killed and abandoned["error_kind"] == "RunAbandoned"
    assert "killed or timed out" in abandoned["error"] and result.run_id in abandoned["error"]
    assert [r["status"] for r in rows if r["run_id"] == result.run_id] == ["started", "succeeded"]
    # Closing is idempotent: a further run adds nothing for the killed run.
    ingest(warehouse, store, "openai")
    assert [r["status"] for r in ledger(warehouse) if r["run_id"] == killed] == ["started", "abandoned"]


def test_a_run_within_the_timeout_is_neither_closed_nor_overtaken(shared_warehouse, simulator):
    """Until the timeout has passed the killed run might still be alive: its lease holds, and the next
    run fails fast (transient, redelivered later) instead of closing it."""
    warehouse, store, data = shared_warehouse
    killed = kill_a_run_in_the_middle(warehouse, data, simulator, timeout=120)
    with pytest.raises(RunConflictError, match=killed) as info:
        ingest(warehouse, store, "openai")
    assert info.value.transient
    assert [r["run_id"] for r in started_only(ledger(warehouse))] == [killed]
