"""Scheduler-shaped message -> Pub/Sub (the Google Cloud CLI's emulator) -> push subscription
-> a functions-framework server running functions/ingest_payg -> rows in the embedded warehouse.
Skips, saying why, where the emulator cannot run (no gcloud or no Java)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from .conftest import _free_port, _wait_http

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("gcloud") is None, reason="gcloud (with its Pub/Sub emulator) is not installed"),
    pytest.mark.skipif(shutil.which("java") is None, reason="the Pub/Sub emulator needs Java"),
]


@pytest.fixture
def world(tmp_path, monkeypatch, onboarded_copy):
    """An onboarded org with OpenAI credentials pointing at a running provider simulator."""
    from genai_costs.secrets.local import LocalSecretStore
    from genai_costs_cli.local.simulator_credentials import simulator_credentials
    from provider_sim.config import SimConfig
    from provider_sim.server import serve

    data = tmp_path / "data"
    base_url, stop = serve(SimConfig(org="acme", start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 4)))
    LocalSecretStore(data / "secrets", data / "secrets.key").put(
        "genai-acme-openai", json.dumps(simulator_credentials(base_url, "acme", 42)["openai"])
    )
    onboarded_copy(data / "warehouse.duckdb", "acme")
    yield data
    stop()


@pytest.fixture
def function_server(world):
    port = _free_port()
    env = {**os.environ, "GENAI_COSTS_DATA_DIR": str(world), "GENAI_COSTS_MAX_MESSAGE_AGE_SECONDS": "3600"}
    env.pop("GENAI_COSTS_GCP_PROJECT", None)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "functions-framework"),
            "--target",
            "ingest_payg",
            "--source",
            str(ROOT / "functions" / "ingest_payg" / "main.py"),
            "--signature-type",
            "cloudevent",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/", timeout=30)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def test_scheduler_message_flows_through_pubsub_push_into_the_warehouse(emulator, function_server, world, monkeypatch):
    from google.cloud import pubsub_v1

    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", emulator)
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    topic = publisher.topic_path("local-proj", "genai-acme-payg")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(
        request={
            "name": subscriber.subscription_path("local-proj", "genai-acme-payg-push"),
            "topic": topic,
            "push_config": {"push_endpoint": function_server},
            "ack_deadline_seconds": 60,
        }
    )
    body = {"org_slug": "acme", "provider": "openai", "start_date": "2026-10-01", "end_date": "2026-10-03"}
    publisher.publish(topic, json.dumps(body).encode()).result(timeout=30)

    deadline, status = time.monotonic() + 90, None
    while time.monotonic() < deadline and status != "succeeded":
        time.sleep(1)
        try:
            with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
                row = con.execute(
                    "SELECT status, rows_usage FROM acme_prod.genai_ingestion_runs "
                    "WHERE status != 'started' ORDER BY event_at DESC LIMIT 1"
                ).fetchone()
                usage = con.execute(
                    "SELECT COUNT(*), MIN(usage_date), MAX(usage_date) FROM acme_prod.genai_payg_openai_usage "
                    "WHERE usage_date >= DATE '2026-01-01'"
                ).fetchone()
        except duckdb.IOException:  # the function holds the file while it writes
            continue
        status = row[0] if row else None
    assert status == "succeeded", "the pushed message did not produce a successful run"
    assert row[1] == usage[0] > 0
    assert (usage[1], usage[2]) == (dt.date(2026, 10, 1), dt.date(2026, 10, 2))
