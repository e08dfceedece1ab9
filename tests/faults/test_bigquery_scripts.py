"""What the BigQuery backend sends for classes 2 and 8 (client mocked, requests asserted): a
consolidation is ONE multi-statement query (every CALL and the conformance assertion between one
BEGIN TRANSACTION and one COMMIT), an ingestion writes its three tables in ONE query, and the write
lease is taken by a conditional UPDATE whose affected-row count decides."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from google.cloud import bigquery

from genai_costs.consolidation import (
    ATTRIBUTION_PROCEDURES,
    EVENTS_PROCEDURES,
    PROCEDURES,
    RECONCILIATION_PROCEDURES,
    consolidate,
)
from genai_costs.errors import RunConflictError
from genai_costs.ingestion.payg import ingest_payg
from genai_costs.model.messages import ConsolidateMessage, PaygMessage
from genai_costs.warehouse.bigquery_backend import BigQueryWarehouse

from .test_exactly_once import Replaying, cost, usage


@pytest.fixture
def client(monkeypatch):
    # every query answers one row_count row: the closed-periods read gets its own answer (none closed)
    monkeypatch.setattr("genai_costs.consolidation.read_periods", lambda warehouse, dataset: [])
    client = mock.create_autospec(bigquery.Client, instance=True)
    job = client.query.return_value
    job.num_dml_affected_rows = 1  # every lease UPDATE finds the lease free
    # One row fits every read the runs make: a count of 0, and no usage event published late.
    job.result.return_value = [bigquery.Row((0, None), {"row_count": 0, "earliest_event_date": 1})]
    return client


def scripts(client) -> list[str]:
    return [c.args[0] for c in client.query.call_args_list if c.args[0].startswith("BEGIN TRANSACTION;")]


def test_consolidation_is_one_script_with_every_call_and_the_checks(client):
    wh = BigQueryWarehouse("proj-1", location="EU", client=client)
    consolidate(ConsolidateMessage(org_slug="acme", start_date="2026-11-01", end_date="2026-11-04"), warehouse=wh)
    (script,) = scripts(client)
    calls = [line for line in script.splitlines() if line.startswith("CALL ")]
    assert [c.split(".")[-1].split("`")[0] for c in calls] == [
        *EVENTS_PROCEDURES,
        *PROCEDURES,
        *ATTRIBUTION_PROCEDURES,
        *RECONCILIATION_PROCEDURES,
    ]
    assert script.rstrip().endswith("COMMIT TRANSACTION;") and script.count("TRANSACTION") == 2
    assert script.index(calls[-1]) < script.index("conformance checks failed: ") < script.index("COMMIT")


def test_an_ingestion_writes_its_three_tables_in_one_script(client, tmp_path):
    import json

    from genai_costs.secrets.local import LocalSecretStore

    store = LocalSecretStore(tmp_path / "s", tmp_path / "k")
    store.put("genai-acme-openai", json.dumps({"admin_api_key": "sk-admin-x"}))
    wh = BigQueryWarehouse("proj-1", location="EU", client=client)
    ingest_payg(
        PaygMessage(org_slug="acme", provider="openai", start_date="2026-11-01", end_date="2026-11-04"),
        warehouse=wh,
        secrets=store,
        client_factory=lambda *a, **k: Replaying([usage(1, 0)], [cost(1, "0.25")]),
    )
    (script,) = scripts(client)
    deletes = [line for line in script.splitlines() if line.startswith("DELETE FROM")]
    assert [d.split()[2] for d in deletes] == [
        "genai_payg_openai_usage",
        "genai_payg_openai_quarantine",
        "genai_payg_openai_costs",
    ]
    sent = [c.args[0] for c in client.query.call_args_list]
    renew = next(i for i, s in enumerate(sent) if s.startswith("UPDATE genai_run_leases\nSET expires_at"))
    assert renew < sent.index(script)  # the lease is renewed right before the write


def test_a_held_lease_refuses_the_run_before_anything_is_read(client):
    client.query.return_value.num_dml_affected_rows = 0  # the conditional UPDATE changed no row
    client.query.return_value.result.return_value = [
        bigquery.Row(
            ("run-a", dt.date(2026, 10, 1), dt.date(2026, 11, 4), None, None),
            {"holder_run_id": 0, "window_start": 1, "window_end": 2, "acquired_at": 3, "expires_at": 4},
        )
    ]
    wh = BigQueryWarehouse("proj-1", location="EU", client=client)
    with pytest.raises(RunConflictError, match="run run-a holds the write lease") as info:
        consolidate(ConsolidateMessage(org_slug="acme", start_date="2026-11-01", end_date="2026-11-04"), warehouse=wh)
    assert info.value.transient
    sent = [c.args[0] for c in client.query.call_args_list]
    acquire = next(s for s in sent if "holder_run_id = @p_run_id" in s and "SET holder_run_id" in s)
    assert "holder_run_id IS NULL OR expires_at <= CURRENT_TIMESTAMP()" in acquire
    assert scripts(client) == []  # nothing written
