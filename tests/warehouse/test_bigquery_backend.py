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
    assert (
        client.query.call_args.args[0]
        == "CALL `proj-1.acme_prod.sp_test_window_merge`(@p_start_date, @p_end_date, @p_factor)"
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


def test_window_replace_uses_load_jobs_and_one_transaction(wh, client):
    spec = TableSpec.model_validate(
        {
            "description": "t",
            "timePartitioning": {"field": "usage_date", "requirePartitionFilter": True},
            "schema": {
                "fields": [
                    {"name": "usage_date", "type": "DATE", "mode": "REQUIRED", "description": "day"},
                    {"name": "cost", "type": "NUMERIC", "description": "usd"},
                ]
            },
        }
    ).model_copy(update={"name": "raw"})
    from decimal import Decimal

    wh.replace_window(
        "acme_prod",
        spec,
        [{"usage_date": dt.date(2024, 1, 2), "cost": Decimal("0.000000001")}],
        date_field="usage_date",
        start=dt.date(2024, 1, 2),
        end=dt.date(2024, 1, 3),
    )
    client.insert_rows.assert_not_called()
    client.insert_rows_json.assert_not_called()
    load = client.load_table_from_file.call_args
    payload = load.args[0].getvalue().decode()
    assert json.loads(payload) == {"usage_date": "2024-01-02", "cost": "0.000000001"}  # money as exact text
    assert load.kwargs["job_config"].source_format == "NEWLINE_DELIMITED_JSON"
    # A load never creates a table: targets belong to Terraform / onboarding, staging is made just before.
    assert load.kwargs["job_config"].create_disposition == "CREATE_NEVER"
    staging = load.args[1]
    assert staging.startswith("proj-1.acme_prod._staging_raw_")
    script = client.query.call_args.args[0]
    assert script.startswith("BEGIN TRANSACTION;") and script.rstrip().endswith("COMMIT TRANSACTION;")
    assert "DELETE FROM raw WHERE usage_date >= @p_start_date AND usage_date < @p_end_date" in script
    client.delete_table.assert_called_once_with(staging, not_found_ok=True)
