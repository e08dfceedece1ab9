"""The BigQuery backend sends the requests BigQuery needs (client mocked, requests asserted)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from unittest import mock

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from genai_costs.warehouse.bigquery_backend import BigQueryWarehouse
from genai_costs.warehouse.sqlfiles import parse_procedure
from genai_costs.warehouse.tables import TableSpec

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sql" / "procedures" / "sp_test_window_merge.sql"


@pytest.fixture
def client():
    return mock.create_autospec(bigquery.Client, instance=True)


@pytest.fixture
def wh(client):
    return BigQueryWarehouse("proj-1", location="EU", client=client)


def _job_config(client):
    return client.query.call_args.kwargs["job_config"]


def test_queries_run_with_default_dataset_and_named_parameters(wh, client):
    wh.query("acme_prod", "SELECT * FROM t WHERE d >= @p_start_date", {"p_start_date": dt.date(2024, 1, 1)})
    sql = client.query.call_args.args[0]
    config = _job_config(client)
    assert sql == "SELECT * FROM t WHERE d >= @p_start_date"  # values never enter the text
    assert config.default_dataset.dataset_id == "acme_prod"
    (param,) = config.query_parameters
    assert (param.name, param.type_, param.value) == ("p_start_date", "DATE", dt.date(2024, 1, 1))


def test_procedure_call_binds_declared_types(wh, client):
    proc = parse_procedure(FIXTURE)
    wh.call_procedure(
        "acme_prod", proc, {"p_start_date": dt.date(2024, 1, 1), "p_end_date": dt.date(2024, 1, 2), "p_factor": 1}
    )
    # Atomic on its own: the procedures hold no transaction control, so that several can share one.
    assert client.query.call_args.args[0] == (
        "BEGIN TRANSACTION;\nCALL `proj-1.acme_prod.sp_test_window_merge`(@p_start_date, @p_end_date, @p_factor);"
        "\nCOMMIT TRANSACTION;"
    )
    types = {p.name: p.type_ for p in _job_config(client).query_parameters}
    assert types == {"p_start_date": "DATE", "p_end_date": "DATE", "p_factor": "NUMERIC"}


def test_procedure_is_created_qualified(wh, client):
    wh.create_procedure("acme_prod", parse_procedure(FIXTURE))
    ddl = client.query.call_args.args[0]
    assert ddl.startswith("CREATE OR REPLACE PROCEDURE `proj-1.acme_prod.sp_test_window_merge`(p_start_date DATE")
    assert "`proj-1`.`acme_prod`.`daily_totals`" in ddl or "proj-1.acme_prod.daily_totals" in ddl.replace("`", "")


def test_table_function_is_created_qualified_and_called_qualified(wh, client):
    from genai_costs.paths import sql_root
    from genai_costs.warehouse.sqlfiles import load_procedures, load_table_functions

    wh.create_table_function("acme_prod", load_table_functions(sql_root())["genai_costs_commitment"])
    ddl = client.query.call_args.args[0]
    assert ddl.startswith(
        "CREATE OR REPLACE TABLE FUNCTION `proj-1.acme_prod.genai_costs_commitment`"
        "(p_org_slug STRING, p_start_date DATE, p_end_date DATE) AS\n"
    )
    assert "`proj-1`.`acme_prod`.`genai_commitment_capacity_all`" in ddl
    wh.create_procedure("acme_prod", load_procedures(sql_root())["sp_genai_2_consolidate_costs_daily"])
    body = client.query.call_args.args[0]
    assert "FROM `proj-1.acme_prod.genai_costs_payg`(p_org_slug, p_start_date, p_end_date)" in body


def test_dataset_creation_is_idempotent(wh, client):
    client.create_dataset.side_effect = [None, gexc.Conflict("exists")]
    assert wh.create_dataset("acme_prod", description="d") is True
    assert wh.create_dataset("acme_prod", description="d") is False
    ds = client.create_dataset.call_args.args[0]
    assert ds.dataset_id == "acme_prod" and ds.location == "EU"


def _spec(name: str) -> TableSpec:
    return TableSpec.model_validate(
        {
            "description": "t",
            "timePartitioning": {"field": "usage_date", "requirePartitionFilter": True},
            "schema": {
                "fields": [
                    {"name": "record_id", "type": "STRING", "mode": "REQUIRED", "description": "id"},
                    {"name": "usage_date", "type": "DATE", "mode": "REQUIRED", "description": "day"},
                    {"name": "cost", "type": "NUMERIC", "description": "usd"},
                ]
            },
        }
    ).model_copy(update={"name": name})


def _scripts(client) -> list[str]:
    return [c.args[0] for c in client.query.call_args_list if c.args[0].startswith("BEGIN TRANSACTION;")]


def test_window_replace_uses_load_jobs_and_one_transaction(wh, client):
    from decimal import Decimal

    client.query.return_value.result.return_value = [bigquery.Row((1,), {"row_count": 0})]
    stored = wh.replace_window(
        "acme_prod",
        _spec("raw"),
        [{"record_id": "r1", "usage_date": dt.date(2024, 1, 2), "cost": Decimal("0.000000001")}],
        date_field="usage_date",
        start=dt.date(2024, 1, 2),
        end=dt.date(2024, 1, 3),
    )
    assert stored == 1  # what the window holds afterwards, counted by a query
    client.insert_rows.assert_not_called()
    client.insert_rows_json.assert_not_called()
    load = client.load_table_from_file.call_args
    payload = load.args[0].getvalue().decode()
    assert json.loads(payload) == {"record_id": "r1", "usage_date": "2024-01-02", "cost": "0.000000001"}
    assert load.kwargs["job_config"].source_format == "NEWLINE_DELIMITED_JSON"
    # A load never creates a table: targets belong to Terraform / onboarding, staging is made just before.
    assert load.kwargs["job_config"].create_disposition == "CREATE_NEVER"
    staging = load.args[1]
    assert staging.startswith("proj-1.acme_prod._staging_raw_")
    (script,) = _scripts(client)
    assert script.startswith("BEGIN TRANSACTION;") and script.rstrip().endswith("COMMIT TRANSACTION;")
    assert "DELETE FROM raw WHERE usage_date >= @p_start_date AND usage_date < @p_end_date" in script
    assert "PARTITION BY record_id" in script and "ERROR(" in script  # one row per record, one version
    client.delete_table.assert_called_once_with(staging, not_found_ok=True)


def test_several_tables_are_replaced_in_one_script(wh, client):
    client.query.return_value.result.return_value = [bigquery.Row((0,), {"row_count": 0})]
    rows = [{"record_id": "r1", "usage_date": dt.date(2024, 1, 2), "cost": None}]
    from genai_costs.warehouse.base import WindowWrite

    wh.replace_windows(
        "acme_prod",
        [WindowWrite(_spec("usage"), rows), WindowWrite(_spec("costs"), rows)],
        date_field="usage_date",
        start=dt.date(2024, 1, 2),
        end=dt.date(2024, 1, 3),
    )
    (script,) = _scripts(client)
    staging = [c.args[1] for c in client.load_table_from_file.call_args_list]
    assert [s.split(".")[-1][: len("_staging_usage_")] for s in staging] == ["_staging_usage_", "_staging_costs_"]
    # Every check first, then each table's delete and insert, all between one BEGIN and one COMMIT.
    assert script.count("BEGIN TRANSACTION") == 1 and script.count("COMMIT TRANSACTION") == 1
    assert script.index("ERROR(") < script.index("DELETE FROM usage") < script.index("DELETE FROM costs")
    assert all(s.split(".")[-1] in script for s in staging)
    assert sorted(c.args[0] for c in client.delete_table.call_args_list) == sorted(staging)
