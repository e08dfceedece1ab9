"""Class 8, overlapping runs: a scheduled run and a backfill of the same provider, in two processes
on the embedded engine. The second one fails fast with a transient RunConflictError (Pub/Sub
redelivers it later) and writes nothing; the first lands each record once; the redelivered one
then replaces the window again, still once. Runs of different providers proceed side by side, and
a process never meets DuckDB's file lock as an error: it waits for its turn."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest

from genai_costs.errors import WarehouseBusyError

from .conftest import DATASET, END, START, inject, lease_holder, ledger, outcome, rows, start_run_process, wait_for


def running(warehouse, provider):
    finished = {r["run_id"] for r in ledger(warehouse) if r["status"] != "started"}
    return [r for r in ledger(warehouse) if r["provider"] == provider and r["run_id"] not in finished]


def once_each(warehouse, table):
    found = rows(warehouse, table, "record_id")
    return len(found) == len({r["record_id"] for r in found}) and len(found) > 0


def test_a_second_overlapping_run_fails_fast_and_writes_nothing(shared_warehouse, simulator):
    warehouse, _store, data = shared_warehouse
    inject(simulator, "openai", [{"kind": "slow", "ms": 4_000}])  # the backfill is still fetching ...
    backfill = start_run_process(data, "openai")
    try:
        wait_for(lambda: lease_holder(warehouse), "the backfill to take the write lease")
        # ... when the scheduled run of the trailing days starts, in another process.
        scheduled = start_run_process(data, "openai", start=END - dt.timedelta(days=3))
        refused = outcome(scheduled)
        first = outcome(backfill)
    finally:
        for process in (backfill,):
            if process.poll() is None:
                process.kill()

    assert refused["error"] == "RunConflictError" and refused["transient"] is True
    assert first["run_id"] in refused["message"] and f"{START}..{END}" in refused["message"]
    assert first["status"] == "succeeded" and first["rows_usage"] > 0
    stored = {t: rows(warehouse, f"genai_payg_openai_{t}") for t in ("usage", "costs")}
    assert once_each(warehouse, "genai_payg_openai_usage") and once_each(warehouse, "genai_payg_openai_costs")

    # Redelivered once the backfill is done: it runs, and every record is still stored once.
    again = outcome(start_run_process(data, "openai", start=END - dt.timedelta(days=3)))
    assert again["status"] == "succeeded"
    assert {t: rows(warehouse, f"genai_payg_openai_{t}") for t in stored} == stored
    statuses = [(r["status"], r["error_kind"]) for r in ledger(warehouse) if r["status"] != "started"]
    assert sorted(statuses, key=str) == sorted(
        [("failed", "RunConflictError"), ("succeeded", None), ("succeeded", None)], key=str
    )


def test_runs_of_different_providers_share_the_embedded_warehouse(shared_warehouse, simulator):
    warehouse, _store, data = shared_warehouse
    inject(simulator, "openai", [{"kind": "slow", "ms": 15_000}])
    slow = start_run_process(data, "openai")
    try:
        wait_for(lambda: lease_holder(warehouse), "the openai run to take its write lease")
        other = outcome(start_run_process(data, "anthropic"))  # starts and ends while openai fetches
        assert running(warehouse, "openai"), "the openai run ended first: the runs did not overlap"
        first = outcome(slow)
    finally:
        if slow.poll() is None:
            slow.kill()
    assert other["status"] == first["status"] == "succeeded"
    assert once_each(warehouse, "genai_payg_openai_usage") and once_each(warehouse, "genai_payg_anthropic_usage")


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_the_file(path, seconds: float) -> subprocess.Popen[str]:
    """Another process with the DuckDB file open (the duckdb CLI, a notebook, an old version)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_a_process_waits_for_the_file_instead_of_failing(shared_warehouse):
    warehouse, _store, data = shared_warehouse
    holder = hold_the_file(data / "warehouse.duckdb", 2.0)
    try:
        began = time.monotonic()
        assert warehouse.query(DATASET, "SELECT 1 AS one") == [{"one": 1}]
        assert time.monotonic() - began >= 1.0  # it waited for the other process, then ran
    finally:
        holder.kill()


def test_a_file_held_too_long_is_a_transient_busy_error(shared_warehouse):
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    _warehouse, _store, data = shared_warehouse
    impatient = DuckDBWarehouse(data / "warehouse.duckdb", shared=True, lock_timeout=0.5)
    holder = hold_the_file(data / "warehouse.duckdb", 30.0)
    try:
        with pytest.raises(WarehouseBusyError, match="in use by another process") as info:
            impatient.query(DATASET, "SELECT 1 AS one")
        assert info.value.transient
    finally:
        holder.kill()
        holder.wait()
