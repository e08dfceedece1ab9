"""`genai-costs serve` as a laptop runs it: a real process that fires the schedules on a short
cadence against the in-process bus, answers the pipeline endpoints, and stops cleanly on SIGTERM."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from genai_costs.providers.ids import secret_id
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs_cli.local.simulator_credentials import simulator_credentials

pytestmark = pytest.mark.slow
TODAY = dt.datetime.now(dt.UTC).date()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def simulator():
    from provider_sim.config import SimConfig
    from provider_sim.server import serve

    base_url, stop = serve(SimConfig(seed=7, org="acme", start=TODAY - dt.timedelta(days=10), end=TODAY))
    yield base_url
    stop()


@pytest.fixture
def org_with_openai(simulator, acme_onboarded):
    settings = get_settings()
    creds = simulator_credentials(simulator, "acme", 7)["openai"]
    open_secret_store(settings).put(secret_id("acme", "openai"), json.dumps(creds))
    return settings


def runs(base: str, **query: str) -> list[dict]:
    answer = httpx.get(f"{base}/pipelines/runs/acme", params=query, timeout=90)
    assert answer.status_code == 200, (answer.text, Path(os.environ["SERVE_LOG"]).read_text()[-5000:])
    return answer.json()["runs"]


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise TimeoutError("serve did not get there in time")


def test_serve_fires_two_cycles_answers_the_endpoints_and_stops_cleanly(org_with_openai, tmp_path: Path):
    port = free_port()
    env = {**os.environ, "GENAI_COSTS_DATA_DIR": str(org_with_openai.data_dir), "COLUMNS": "200"}
    cmd = [
        sys.executable,
        "-m",
        "genai_costs_cli",
        "serve",
        "--org",
        "acme",
        # A short cadence (croniter's sixth field is seconds) instead of the default hours and days.
        "--cron",
        "payg=* * * * * */4",
        "--cron",
        "consolidate=* * * * * 2-59/4",
        "--port",
        str(port),
    ]
    log = (tmp_path / "serve.log").open("w+")
    os.environ["SERVE_LOG"] = log.name
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), timeout=60)
        # Two scheduled cycles of each job: pay-as-you-go OpenAI (the stored credentials) and consolidation.
        wait_for(
            lambda: (
                len(runs(base, flow="payg", provider="openai", status="succeeded")) >= 2
                and len(runs(base, flow="consolidate", status="succeeded")) >= 2
            )
        )
        payg = runs(base, flow="payg", provider="openai", status="succeeded")
        # Each scheduled run pulled the trailing window, like the Cloud Scheduler job.
        trailing = get_settings().trailing_days
        assert {(r["window_start"], r["window_end"]) for r in payg} == {
            ((TODAY - dt.timedelta(days=trailing)).isoformat(), TODAY.isoformat())
        }
        assert all(r["rows_usage"] > 0 for r in payg)
        # A manual run through the endpoint while the schedules keep firing.
        accepted = httpx.post(
            f"{base}/pipelines/run/acme/genai/payg/openai",
            json={"start_date": (TODAY - dt.timedelta(days=5)).isoformat(), "end_date": TODAY.isoformat()},
            timeout=10,
        )
        assert accepted.status_code == 202, accepted.text
        ids = [m["message_id"] for m in accepted.json()["messages"]]
        wait_for(lambda: all(runs(base, trigger_id=i, status="succeeded") for i in ids))
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        log.seek(0)
        output = log.read()
    assert code == 0, output
    assert "SIGTERM: stopping" in output and "stopped:" in output
    assert "payg-openai -> message" in output and "consolidate -> message" in output
    assert "Traceback" not in output


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/pipelines/runs/acme", timeout=90).status_code == 200
    except httpx.HTTPError:
        return False
