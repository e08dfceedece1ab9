"""The fault suite (issue 10): each test attacks the pipeline through its real entry points (the
runners with the real provider clients against the simulator, the warehouse, separate processes)
and checks what a user would check: every record once, every table all-or-nothing, no run left
open, no two runs writing one window."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from genai_costs.ingestion.payg import ingest_payg
from genai_costs.model.messages import PaygMessage
from genai_costs.runs.lifecycle import RunResult
from genai_costs.secrets.local import LocalSecretStore
from genai_costs.warehouse.base import Warehouse

ORG = "acme"
DATASET = f"{ORG}_prod"
END = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=4)
START = END - dt.timedelta(days=5)
# Fault-plan names of the simulator surfaces, by our provider id.
SIM_NAMES = {
    "openai": "openai",
    "anthropic": "anthropic",
    "azure_openai": "azure",
    "aws_bedrock": "aws",
    "vertex_ai": "gcp",
    "gemini": "gcp",
}


@pytest.fixture(scope="module")
def simulator() -> Iterator[str]:
    from provider_sim.config import SimConfig
    from provider_sim.server import serve

    base_url, stop = serve(SimConfig(org=ORG, start=START - dt.timedelta(days=30), end=END))
    yield base_url
    stop()


def simulator_secrets(base_url: str) -> dict[str, dict[str, str]]:
    from genai_costs_cli.local.simulator_credentials import simulator_credentials

    return simulator_credentials(base_url, ORG, 42)


@pytest.fixture
def store(tmp_path, simulator) -> LocalSecretStore:
    secrets = LocalSecretStore(tmp_path / "secrets", tmp_path / "key")
    for provider, secret in simulator_secrets(simulator).items():
        secrets.put(f"genai-{ORG}-{provider}", json.dumps(secret))
    return secrets


@pytest.fixture
def onboarded(acme_warehouse: Warehouse, simulator: str) -> Warehouse:
    httpx.delete(f"{simulator}/_sim/faults")
    return acme_warehouse


def inject(simulator: str, provider: str, faults: list[Any]) -> None:
    response = httpx.post(f"{simulator}/_sim/faults", json={"provider": SIM_NAMES[provider], "faults": faults})
    response.raise_for_status()


def served_faults(simulator: str) -> list[str]:
    entries = httpx.get(f"{simulator}/_sim/requests").json()["requests"]
    return [e["fault"] for e in entries if e.get("fault")]


def ingest(
    warehouse: Warehouse, store: LocalSecretStore, provider: str, start: dt.date = START, end: dt.date = END
) -> RunResult:
    message = PaygMessage(org_slug=ORG, provider=provider, start_date=start, end_date=end)
    return ingest_payg(message, warehouse=warehouse, secrets=store)


def rows(warehouse: Warehouse, table: str, columns: str = "*") -> list[dict[str, Any]]:
    """Every row of a raw or output table, without the columns that say which run wrote it."""
    found = warehouse.query(DATASET, f"SELECT {columns} FROM {table} WHERE usage_date >= '2000-01-01'")
    cleaned = [{k: v for k, v in r.items() if k not in ("run_id", "ingested_at", "consolidated_at")} for r in found]
    return sorted(cleaned, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def fingerprint(warehouse: Warehouse, *, skip: tuple[str, ...] = ("genai_ingestion_runs", "genai_run_leases")) -> dict:
    """Row count and MD5 of every table of the dataset (all columns, run ids and timestamps included:
    a write that was rolled back leaves even those unchanged). The ledger and the leases are left
    out: a failed run records itself there by design."""
    con = warehouse.connection
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' "
        "ORDER BY table_name",
        [DATASET],
    ).fetchall()
    out = {}
    for (name,) in tables:
        if name in skip or name.startswith("_"):
            continue
        out[name] = con.execute(
            f"SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) FROM "
            f'(SELECT CAST(t AS VARCHAR) AS r FROM "{DATASET}"."{name}" AS t)'
        ).fetchone()
    return out


# -- runs in separate processes ------------------------------------------------------------------
RUNNER = """
import datetime as dt, json, sys
from genai_costs.errors import GenAICostsError
from genai_costs.ingestion.payg import ingest_payg
from genai_costs.model.messages import PaygMessage
from genai_costs.runs import lifecycle
from genai_costs.secrets.local import LocalSecretStore
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

provider, start, end, timeout, margin = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
lifecycle.CLOCK_MARGIN = dt.timedelta(seconds=margin)
settings = get_settings()
store = LocalSecretStore(settings.data_dir / "secrets", settings.data_dir / "key")
message = PaygMessage(org_slug="acme", provider=provider, start_date=start, end_date=end)
with open_warehouse(settings) as warehouse:
    try:
        result = ingest_payg(message, warehouse=warehouse, secrets=store, run_timeout_seconds=timeout)
        print(json.dumps({"status": result.status, "run_id": result.run_id, "rows_usage": result.rows_usage}))
    except GenAICostsError as exc:
        print(json.dumps({"error": type(exc).__name__, "transient": exc.transient, "message": str(exc)}))
"""


def start_run_process(
    data_dir, provider: str, *, timeout: int = 540, margin: float = 60.0, start=START, end=END
) -> subprocess.Popen[str]:
    """``genai_costs`` ingesting in a separate Python process, on the embedded warehouse of ``data_dir``
    opened the way the entry points open it (``open_warehouse``)."""
    env = {**os.environ, "GENAI_COSTS_DATA_DIR": str(data_dir)}
    env.pop("GENAI_COSTS_GCP_PROJECT", None)
    args = [sys.executable, "-c", RUNNER, provider, str(start), str(end), str(timeout), str(margin)]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outcome(process: subprocess.Popen[str], timeout: float = 120) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def shared_warehouse(tmp_path, simulator, onboarded_copy) -> Iterator[tuple[Warehouse, LocalSecretStore, Any]]:
    """An onboarded embedded warehouse in a file that other processes open too (as the functions do),
    with the simulator's credentials in the data directory's sealed store."""
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    data = tmp_path / "data"
    warehouse = DuckDBWarehouse(onboarded_copy(data / "warehouse.duckdb", ORG), shared=True)
    secrets = LocalSecretStore(data / "secrets", data / "key")
    for provider, secret in simulator_secrets(simulator).items():
        secrets.put(f"genai-{ORG}-{provider}", json.dumps(secret))
    httpx.delete(f"{simulator}/_sim/faults")
    yield warehouse, secrets, data
    httpx.delete(f"{simulator}/_sim/faults")


def ledger(warehouse: Warehouse) -> list[dict[str, Any]]:
    return warehouse.query(
        DATASET,
        "SELECT run_id, provider, status, error, error_kind FROM genai_ingestion_runs ORDER BY event_at, status",
    )


def lease_holder(warehouse: Warehouse, provider: str = "openai") -> str | None:
    """The run holding the write lease of ``provider``'s pay-as-you-go runs, if any."""
    held = warehouse.query(
        DATASET,
        "SELECT holder_run_id FROM genai_run_leases WHERE provider = @p_provider AND holder_run_id IS NOT NULL",
        {"p_provider": provider},
    )
    return held[0]["holder_run_id"] if held else None


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
