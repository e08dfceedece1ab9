"""Every table spec creates on DuckDB and builds the right BigQuery request."""

from __future__ import annotations

from unittest import mock

import pytest
from google.cloud import bigquery

from genai_costs.paths import sql_root
from genai_costs.warehouse.bigquery_backend import BigQueryWarehouse
from genai_costs.warehouse.tables import load_table_specs

SPECS = load_table_specs(sql_root())


def test_every_field_has_a_description():
    for spec in SPECS.values():

        def walk(fields, spec=spec):
            for f in fields:
                assert f.description.strip(), f"{spec.name}.{f.name} has no description"
                walk(f.fields or [])

        walk(spec.fields)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_spec_creates_on_duckdb_with_its_columns(warehouse, name):
    spec = SPECS[name]
    warehouse.create_dataset("acme_prod", description="t")
    assert warehouse.create_table("acme_prod", spec) is True
    assert warehouse.create_table("acme_prod", spec) is False  # idempotent
    cols = warehouse.connection.execute(
        "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        "WHERE schema_name = 'acme_prod' AND table_name = ? ORDER BY column_index",
        [name],
    ).fetchall()
    assert [c[0] for c in cols] == spec.field_names
    for (_col, data_type, nullable, comment), field in zip(cols, spec.fields, strict=False):
        assert comment == field.description
        assert nullable == (field.mode != "REQUIRED")
        if field.type == "NUMERIC":
            assert data_type == "DECIMAL(38,9)"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_spec_builds_the_bigquery_table_request(name):
    spec = SPECS[name]
    client = mock.create_autospec(bigquery.Client, instance=True)
    BigQueryWarehouse("proj-1", client=client).create_table("acme_prod", spec)
    (table,), _ = client.create_table.call_args
    api = table.to_api_repr()
    assert api["tableReference"] == {"projectId": "proj-1", "datasetId": "acme_prod", "tableId": name}
    assert [f["name"] for f in api["schema"]["fields"]] == spec.field_names
    assert all(f.get("description") for f in api["schema"]["fields"])
    if spec.timePartitioning:
        assert api["timePartitioning"]["field"] == spec.timePartitioning.field
        assert (
            api["timePartitioning"].get("requirePartitionFilter", False) == spec.timePartitioning.requirePartitionFilter
        )
    if spec.clustering:
        assert api["clustering"]["fields"] == spec.clustering.fields
