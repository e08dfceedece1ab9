"""Opt-in lane (issue 10, class 11): ``genai-costs run --warehouse bigquery`` drives the whole pipeline
against a BigQuery API emulator, and every table it writes holds what the embedded run writes.

Set GENAI_COSTS_TEST_BIGQUERY_ENDPOINT to the emulator's URL (e.g. ``local-bigquery serve`` on Python
3.13, project ``demo``) to run it; it is skipped otherwise. Columns that differ by nature between two
runs (run ids, load and event timestamps) are left out of the comparison.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from genai_costs.paths import sql_root
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.tables import load_table_specs
from genai_costs_cli.app import app

ENDPOINT = os.environ.get("GENAI_COSTS_TEST_BIGQUERY_ENDPOINT")
PROJECT = os.environ.get("GENAI_COSTS_TEST_BIGQUERY_PROJECT", "demo")
ORG = "emulane"
DAYS = "3"
# Tables whose rows name the run that wrote them or when: compared by row count only.
RUN_TABLES = {"genai_ingestion_runs", "genai_run_leases"}

pytestmark = pytest.mark.skipif(
    not ENDPOINT,
    reason="no BigQuery API emulator: set GENAI_COSTS_TEST_BIGQUERY_ENDPOINT (e.g. local-bigquery on Python 3.13)",
)


def comparable(row: dict[str, Any], volatile: set[str]) -> tuple[str, ...]:
    def text(value: Any) -> str:
        return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)

    return tuple(f"{k}={text(v)}" for k, v in sorted(row.items()) if k not in volatile)


def run_and_read(data_dir: Path, monkeypatch: pytest.MonkeyPatch, warehouse: str) -> dict[str, list[tuple[str, ...]]]:
    monkeypatch.setenv("GENAI_COSTS_DATA_DIR", str(data_dir))
    if warehouse == "bigquery":
        for name, value in {
            "GCP_PROJECT": PROJECT,
            "SECRETS": "local",
            "BIGQUERY_API_ENDPOINT": ENDPOINT or "",
            "BIGQUERY_CREDENTIALS": "anonymous",
        }.items():
            monkeypatch.setenv(f"GENAI_COSTS_{name}", value)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["run", "--org-slug", ORG, "--days", DAYS, "--warehouse", warehouse])
    assert result.exit_code == 0, result.output[-3000:]
    tables: dict[str, list[tuple[str, ...]]] = {}
    get_settings.cache_clear()
    with open_warehouse(get_settings()) as wh:
        for name, spec in load_table_specs(sql_root()).items():
            volatile = {f.name for f in spec.fields if f.type in ("TIMESTAMP", "DATETIME") or "run_id" in f.name}
            rows = wh.query(f"{ORG}_prod", f"SELECT * FROM {name}")
            if name in RUN_TABLES:
                volatile = {f.name for f in spec.fields}
            tables[name] = sorted(comparable(r, volatile) for r in rows)
    for name in ("GCP_PROJECT", "SECRETS", "BIGQUERY_API_ENDPOINT", "BIGQUERY_CREDENTIALS"):
        monkeypatch.delenv(f"GENAI_COSTS_{name}", raising=False)
    return tables


def test_every_table_written_on_the_emulator_matches_the_embedded_run(tmp_path, monkeypatch):
    embedded = run_and_read(tmp_path / "embedded", monkeypatch, "embedded")
    emulated = run_and_read(tmp_path / "emulated", monkeypatch, "bigquery")
    assert embedded["cost_data_standard_1_3"], "the embedded run wrote no FOCUS rows: nothing to compare"
    differing = {
        name: (len(rows), len(emulated[name])) for name, rows in embedded.items() if emulated.get(name) != rows
    }
    assert not differing, f"tables that differ (embedded rows, emulator rows): {differing}"
