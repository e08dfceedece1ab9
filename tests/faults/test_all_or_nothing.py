"""Class 2, all-or-nothing: an ingestion run replaces usage, quarantine and costs in one
transaction, and a consolidation runs every procedure and the conformance checks in one
transaction. A failure in the middle (after the first table is written, inside the second
procedure, in a check) leaves every table exactly as it was, down to run ids and timestamps."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest

from genai_costs import consolidation
from genai_costs.consolidation import PROCEDURES, consolidate
from genai_costs.errors import ConformanceError, WarehouseError
from genai_costs.model.messages import ConsolidateMessage
from genai_costs.warehouse.duckdb_backend import duckdb_type
from genai_costs.warehouse.sqlfiles import load_procedures
from genai_costs.warehouse.tables import load_table_specs

from .conftest import DATASET, END, ORG, START, fingerprint, ingest

CUTOFF = "ingested_at < TIMESTAMPTZ '{}'"


def refuse_new_rows(warehouse, table: str) -> None:
    """Fault: from now on ``table`` rejects every new row (as a quota error or a broken column
    would), while keeping the rows it holds. Rebuilt with a CHECK constraint, same columns."""
    from genai_costs.paths import sql_root

    spec = load_table_specs(sql_root())[table]
    cutoff = CUTOFF.format(dt.datetime.now(dt.UTC).isoformat())
    columns = ", ".join(f'"{f.name}" {duckdb_type(f)}' for f in spec.fields)
    con = warehouse.connection
    con.execute(f'ALTER TABLE "{DATASET}"."{table}" RENAME TO "{table}_old"')
    con.execute(f'CREATE TABLE "{DATASET}"."{table}" ({columns}, CHECK ({cutoff}))')
    con.execute(f'INSERT INTO "{DATASET}"."{table}" SELECT * FROM "{DATASET}"."{table}_old"')
    con.execute(f'DROP TABLE "{DATASET}"."{table}_old"')


def revise(simulator: str) -> None:
    """The provider revises its last days: a new run would change the stored rows."""
    httpx.post(f"{simulator}/_sim/revision", json={"revision": 1})


@pytest.fixture(autouse=True)
def _no_revision(simulator):
    httpx.post(f"{simulator}/_sim/revision", json={"revision": 0})
    yield
    httpx.post(f"{simulator}/_sim/revision", json={"revision": 0})


def test_a_failure_after_the_first_table_leaves_every_table_as_it_was(onboarded, store, simulator):
    ingest(onboarded, store, "openai")
    before = fingerprint(onboarded)
    revise(simulator)
    refuse_new_rows(onboarded, "genai_payg_openai_costs")  # usage and quarantine come first in the write

    with pytest.raises(WarehouseError, match="CHECK constraint"):
        ingest(onboarded, store, "openai")

    assert fingerprint(onboarded) == before
    (failed,) = onboarded.query(DATASET, "SELECT error FROM genai_ingestion_runs WHERE status = 'failed'")
    assert "rolled back" in failed["error"]


def test_the_same_run_without_the_fault_does_change_the_tables(onboarded, store, simulator):
    """The control: the revision really changes usage and costs, so the test above can fail."""
    ingest(onboarded, store, "openai")
    before = fingerprint(onboarded)
    revise(simulator)
    ingest(onboarded, store, "openai")
    after = fingerprint(onboarded)
    assert after["genai_payg_openai_usage"] != before["genai_payg_openai_usage"]
    assert after["genai_payg_openai_costs"] != before["genai_payg_openai_costs"]


def consolidated(warehouse):
    message = ConsolidateMessage(org_slug=ORG, start_date=START, end_date=END)
    return consolidate(message, warehouse=warehouse)


@pytest.fixture
def consolidated_then_revised(onboarded, store, simulator):
    """Consolidated once; then the providers revise and the raw tables take the revision, so the
    next consolidation would rewrite every output table."""
    for provider in ("openai", "anthropic"):
        ingest(onboarded, store, provider)
    consolidated(onboarded)
    revise(simulator)
    for provider in ("openai", "anthropic"):
        ingest(onboarded, store, provider)
    return onboarded


OUTPUTS = ("genai_usage_daily", "genai_costs_daily_unified", "cost_data_standard_1_3")


def failing_in(name: str, monkeypatch) -> None:
    """Fault: procedure ``name`` fails after its own writes (a crash half-way through consolidation)."""
    from genai_costs.paths import sql_root

    procedures = dict(load_procedures(sql_root()))
    broken = procedures[name]
    procedures[name] = dataclasses.replace(
        broken, statements=(*broken.statements, f"SELECT ERROR('injected failure at the end of {name}')")
    )
    monkeypatch.setattr(consolidation, "load_procedures", lambda root: procedures)


@pytest.mark.parametrize("failing", [PROCEDURES[1], PROCEDURES[-1]])
def test_a_failure_inside_a_procedure_leaves_every_output_as_it_was(consolidated_then_revised, monkeypatch, failing):
    wh = consolidated_then_revised
    before = fingerprint(wh)
    failing_in(failing, monkeypatch)
    with pytest.raises(WarehouseError, match="injected failure"):
        consolidated(wh)
    assert fingerprint(wh) == before


def test_a_failing_conformance_check_rolls_back_the_procedures(consolidated_then_revised, monkeypatch, tmp_path):
    wh = consolidated_then_revised
    before = fingerprint(wh)
    check = tmp_path / "checks" / "zz_injected_violation.sql"
    check.parent.mkdir()
    check.write_text("SELECT 'row-1' AS row_id, 'injected violation' AS violation\n")
    from genai_costs import conformance

    real = conformance.check_files
    monkeypatch.setattr(conformance, "check_files", lambda root=None: [*real(root), check])
    with pytest.raises(ConformanceError, match="zz_injected_violation: 1 rows"):
        consolidated(wh)
    assert fingerprint(wh) == before


def test_the_same_consolidation_without_a_fault_rewrites_the_outputs(consolidated_then_revised):
    """The control: the revised raw rows really change every output table."""
    wh = consolidated_then_revised
    before = fingerprint(wh)
    consolidated(wh)
    after = fingerprint(wh)
    assert all(after[t] != before[t] for t in OUTPUTS)


def test_no_procedure_opens_its_own_transaction():
    """BigQuery cannot nest transactions: a procedure with BEGIN TRANSACTION could not run inside the
    consolidation's transaction (parse_procedure refuses such a file)."""
    from genai_costs.paths import sql_root

    for procedure in load_procedures(sql_root()).values():
        assert "TRANSACTION" not in procedure.body.upper(), procedure.name
