"""Exactly one alert per key, and one message per alert and channel, when evaluations race: two
connections writing the ledger at the same instant, two senders claiming the same deliveries, two
processes on one warehouse file, and Pub/Sub delivering the same evaluation twice."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from subprocess import PIPE

import pytest
from cloudevents.http import CloudEvent

from genai_costs.alerting.http import new_http_client
from genai_costs.budgets import guards
from genai_costs.budgets.dispatch import Dispatcher
from genai_costs.budgets.evaluation import compute_statuses
from genai_costs.budgets.ledger import create_deliveries, record_budget_alerts
from genai_costs.budgets.store import list_budgets
from genai_costs.messaging.cloudevents import pubsub_cloud_event
from genai_costs.secrets.local import LocalSecretStore
from genai_costs.settings import get_settings
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse
from genai_costs.warehouse.sqlfiles import SqlFile
from tests.alerting.helpers import SLACK, WEBHOOK, received, store_sim_secrets

from .conftest import DATASET, ORG, World

REPO = Path(__file__).resolve().parents[2]


def recent_now() -> dt.datetime:
    """Now (receivers reject webhook timestamps more than 5 minutes off), never in a month's first minutes."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    month_start = now.replace(day=1, hour=0, minute=0, second=0)
    return max(now, month_start + dt.timedelta(minutes=3))


@pytest.fixture
def now() -> dt.datetime:
    return recent_now()


def crossing_world(world: World, now: dt.datetime) -> None:
    world.budget("acme", "100", scope={"tenant": "acme"}, channels=[SLACK.model_dump(), WEBHOOK.model_dump()])
    world.event(now - dt.timedelta(minutes=2), "80", tenant="acme")  # crosses 50 and 75 at once


def race_ledger_writes(world: World, tmp_path: Path, now: dt.datetime) -> list[BaseException]:
    """Two connections compute the same crossings, then write the ledger at the same instant."""
    other = DuckDBWarehouse(tmp_path / "warehouse.duckdb")  # a second connection to the same file
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def evaluate(warehouse: DuckDBWarehouse, name: str) -> None:
        real, waited = warehouse.apply_staged, []

        def in_step(*args, **kwargs):
            if not waited:  # both have read the ledger (keys absent) before either writes
                waited.append(barrier.wait())
            return real(*args, **kwargs)

        warehouse.apply_staged = in_step  # type: ignore[method-assign]
        try:
            statuses = compute_statuses(
                warehouse, DATASET, list_budgets(warehouse, DATASET), evaluation_id=name, now=now
            ).statuses
            record_budget_alerts(warehouse, DATASET, statuses, evaluation_id=name, now=now, runs_since=now.date())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=evaluate, args=(wh, name)) for wh, name in ((world.wh, "a"), (other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.close()
    return errors


def test_two_evaluations_racing_on_the_same_keys_write_each_alert_once(world, now, tmp_path):
    crossing_world(world, now)
    assert race_ledger_writes(world, tmp_path, now) == []
    rows = world.ledger()
    assert sorted(r["threshold_percent"] for r in rows) == [50, 75]  # once each, not twice
    assert len({r["evaluation_id"] for r in rows}) == 1  # both from the writer that won
    guard = world.rows("SELECT generation FROM genai_budget_guards WHERE guard = 'genai_alert_ledger'")
    # Both writers were the first ever: each may have created a guard row; every guarded write
    # updates all of them, so the loser conflicted and was retried after the winner committed.
    assert {r["generation"] for r in guard} == {2}


def test_without_the_guard_the_same_race_writes_every_alert_twice(world, now, tmp_path, monkeypatch):
    """The control: the conditional insert alone does not hold under concurrency."""
    real = guards.load_statement

    def no_guard(root, name):
        return SqlFile(name, "SELECT 1 AS no_guard", Path(name)) if name == "budget_guard_take" else real(root, name)

    monkeypatch.setattr(guards, "load_statement", no_guard)
    crossing_world(world, now)
    # The barrier meets before each writer's transaction begins, so on a loaded machine one writer can
    # still commit before the other takes its snapshot (and then rightly writes nothing): up to three
    # races, each from an empty ledger; the duplicates must show in one of them.
    for _ in range(3):
        assert race_ledger_writes(world, tmp_path, now) == []
        written = sorted(r["threshold_percent"] for r in world.ledger())
        if written == [50, 50, 75, 75]:
            break
        world.wh.execute(DATASET, "DELETE FROM genai_alert_ledger WHERE TRUE")
    assert written == [50, 50, 75, 75]


def test_two_senders_claiming_at_once_send_each_delivery_once(world, now, tmp_path, sim, sim_url):
    crossing_world(world, now)
    world.evaluate(now)  # ledger and pending deliveries, nothing sent (no dispatcher)
    store = LocalSecretStore(tmp_path / "secrets", tmp_path / "secrets.key")
    store_sim_secrets(store, sim_url)
    other = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    barrier = threading.Barrier(2, timeout=30)
    sent: dict[str, list] = {}

    def send(warehouse: DuckDBWarehouse, name: str) -> None:
        real, waited = warehouse.execute, []

        def in_step(dataset, statement, params=None):
            if getattr(statement, "name", "") == "alert_deliveries_claim" and not waited:
                waited.append(barrier.wait())  # both claim at the same instant
            return real(dataset, statement, params)

        warehouse.execute = in_step  # type: ignore[method-assign]
        with new_http_client(timeout=5) as http:
            sent[name] = Dispatcher(secrets=store, http=http).deliver(warehouse, DATASET, now=now)

    threads = [threading.Thread(target=send, args=(wh, name)) for wh, name in ((world.wh, "a"), (other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.close()
    assert sorted(len(v) for v in sent.values()) == [0, 2]  # one sender holds both rows
    assert [d["status"] for d in world.deliveries()] == ["sent", "sent"]
    assert len(received(sim, "slack")) == 1 and len(received(sim, "webhook")) == 1


def test_pubsub_redelivery_of_an_evaluation_sends_nothing_twice(
    world, now, tmp_path, sim, sim_url, monkeypatch, onboarded_copy
):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("GENAI_COSTS_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    settings = get_settings()
    store_sim_secrets(LocalSecretStore(data_dir / "secrets", data_dir / "secrets.key"), sim_url)
    warehouse = DuckDBWarehouse(onboarded_copy(settings.duckdb_path, ORG))
    crossed = World(warehouse)
    crossing_world(crossed, dt.datetime.now(dt.UTC))
    from genai_costs_cli.local.entry_points import load_entry_point

    evaluate = load_entry_point("evaluate_budgets")
    event: CloudEvent = pubsub_cloud_event("local", "genai-budgets", {"org_slug": "demo"}, message_id="msg-1")
    evaluate(event)
    evaluate(event)  # Pub/Sub delivers the same message again
    ledger = [r for r in crossed.ledger() if r["kind"].startswith("budget")]
    assert sorted(r["threshold_percent"] for r in ledger) == [50, 75]
    assert len(received(sim, "slack")) == 1 and len(received(sim, "webhook")) == 1
    runs = crossed.rows("SELECT status, trigger_id FROM genai_ingestion_runs WHERE flow = 'budgets'")
    assert [(r["status"], r["trigger_id"]) for r in runs].count(("succeeded", "msg-1")) == 2
    warehouse.close()


PROCESS = textwrap.dedent(
    """
    import sys, time, datetime as dt
    from pathlib import Path
    import duckdb
    from genai_costs.alerting.http import new_http_client
    from genai_costs.budgets.dispatch import Dispatcher
    from genai_costs.budgets.evaluation import EvaluateBudgetsMessage, evaluate_budgets
    from genai_costs.errors import GenAICostsError
    from genai_costs.secrets.local import LocalSecretStore
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    path, secrets, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
    while time.time() < start_at:  # both processes start at the same instant
        time.sleep(0.001)
    store = LocalSecretStore(Path(secrets) / "secrets", Path(secrets) / "secrets.key")
    deadline = time.time() + 60
    while True:  # one writing process per DuckDB file: retry like a redelivered message
        try:
            warehouse = DuckDBWarehouse(path)
        except duckdb.IOException:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
            continue
        try:
            with new_http_client(timeout=5) as http:
                evaluation = evaluate_budgets(
                    EvaluateBudgetsMessage(org_slug="demo"),
                    warehouse=warehouse,
                    dispatcher=Dispatcher(secrets=store, http=http),
                    now=dt.datetime.fromisoformat(sys.argv[4]),
                )
            print("attempted", len(evaluation.attempted))
            break
        except GenAICostsError as exc:  # e.g. another evaluation holds the run lease
            print("retry", type(exc).__name__)
            time.sleep(0.05)
        finally:
            warehouse.close()
    """
)


def test_two_processes_evaluating_together_send_each_alert_once(world, now, tmp_path, sim, sim_url):
    crossing_world(world, now)
    world.wh.close()  # the processes own the file now
    store_sim_secrets(LocalSecretStore(tmp_path / "secrets", tmp_path / "secrets.key"), sim_url)
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(REPO / "functions"), str(REPO / "simulator")])}
    import time

    start_at = str(time.time() + 1.5)
    args = [str(tmp_path / "warehouse.duckdb"), str(tmp_path), start_at, now.isoformat()]
    procs = [
        subprocess.Popen([sys.executable, "-c", PROCESS, *args], env=env, stdout=PIPE, stderr=PIPE) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1].decode()[-2000:] for o in outputs]
    attempted = sorted(int(o[0].decode().split("attempted")[1].split()[0]) for o in outputs)
    assert attempted == [0, 2]  # the second process found both alerts recorded and delivered
    reopened = World.__new__(World)
    reopened.wh = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    try:
        assert sorted(r["threshold_percent"] for r in reopened.ledger()) == [50, 75]
        assert [d["status"] for d in reopened.deliveries()] == ["sent", "sent"]
    finally:
        reopened.wh.close()
    assert len(received(sim, "slack")) == 1 and len(received(sim, "webhook")) == 1


def test_deliveries_left_behind_by_a_crash_are_created_by_the_next_pass(world, now):
    crossing_world(world, now)
    statuses = compute_statuses(world.wh, DATASET, list_budgets(world.wh, DATASET), evaluation_id="e", now=now)
    record_budget_alerts(world.wh, DATASET, statuses.statuses, evaluation_id="e", now=now, runs_since=now.date())
    assert world.deliveries() == []  # crashed before the deliveries were written
    created = create_deliveries(world.wh, DATASET, now=now + dt.timedelta(minutes=5))
    assert [d.channel for d in created] == ["slack", "webhook"]
    assert create_deliveries(world.wh, DATASET, now=now + dt.timedelta(minutes=10)) == []
    assert len(world.deliveries()) == 2
