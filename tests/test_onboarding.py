"""Onboarding is idempotent, keeps custom prices, and refuses hostile slugs before creating anything."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from functions_framework import create_app
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from genai_costs.errors import ConfigurationError
from genai_costs.onboarding import OnboardRequest, onboard
from genai_costs.settings import get_settings
from genai_costs.warehouse.bigquery_backend import BigQueryWarehouse
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

ONBOARD_MAIN = Path(__file__).resolve().parents[1] / "functions" / "onboard" / "main.py"


def counts(wh):
    return {
        t: wh.query("acme_prod", f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]
        for t in ("llm_model_pricing", "llm_subscriptions")
    }


def add_custom_price(wh):
    wh.execute(
        "acme_prod",
        """
        INSERT INTO llm_model_pricing (pricing_id, provider, model_id, is_custom, input_price_per_1k,
          output_price_per_1k, effective_date, is_enabled, pricing_type, currency)
        VALUES ('custom-1', 'openai', 'gpt-4o', TRUE, @p_in, @p_out, @p_from, TRUE, 'negotiated', 'USD')""",
        {"p_in": Decimal("0.0019"), "p_out": Decimal("0.0081"), "p_from": dt.date(2025, 1, 1)},
    )


def test_onboarding_three_times_gives_identical_counts(warehouse):
    first = onboard(warehouse, OnboardRequest(org_slug="acme"))
    assert first.dataset_created and first.dataset == "acme_prod"
    assert set(first.tables_created) >= {"llm_model_pricing", "llm_subscriptions"}
    assert first.seed_rows_inserted["llm_model_pricing"] > 40
    baseline = counts(warehouse)
    for _ in range(2):
        again = onboard(warehouse, OnboardRequest(org_slug="acme"))
        assert not again.dataset_created and not again.tables_created
        assert set(again.seed_rows_inserted.values()) == {0}
        assert {"llm_model_pricing", "llm_subscriptions", "genai_ref_providers"} <= set(again.seed_rows_inserted)
        assert counts(warehouse) == baseline


def test_custom_price_survives_reonboard_and_seed_reset(warehouse):
    onboard(warehouse, OnboardRequest(org_slug="acme"))
    add_custom_price(warehouse)
    # A seed row a user edited in place is restored by a reset, the custom row is not touched.
    warehouse.execute(
        "acme_prod",
        "UPDATE llm_model_pricing SET input_price_per_1k = 99 WHERE is_custom = FALSE AND model_id = 'gpt-4o-mini'",
    )
    onboard(warehouse, OnboardRequest(org_slug="acme"))
    onboard(warehouse, OnboardRequest(org_slug="acme", reset_seed=True))
    custom = warehouse.query(
        "acme_prod",
        "SELECT input_price_per_1k, output_price_per_1k FROM llm_model_pricing WHERE pricing_id = 'custom-1'",
    )
    assert custom == [{"input_price_per_1k": Decimal("0.0019"), "output_price_per_1k": Decimal("0.0081")}]
    mini = warehouse.query(
        "acme_prod",
        "SELECT DISTINCT input_price_per_1k AS p FROM llm_model_pricing "
        "WHERE model_id = 'gpt-4o-mini' AND provider = 'openai'",
    )
    assert mini == [{"p": Decimal("0.00015")}]


HOSTILE = [
    "acme; DROP",
    "../x",
    "a" * 300,
    "ácme",
    "",
    "Acme",
    "1acme",
    "acme-prod",
    "ac",
    "acme\n",
    "acme prod",
    "acme`; DROP SCHEMA x; --",
]


@pytest.mark.parametrize("slug", HOSTILE)
def test_hostile_slugs_are_rejected_with_nothing_created(warehouse, slug):
    with pytest.raises(ValueError, match="org_slug"):
        onboard(warehouse, OnboardRequest(org_slug=slug))
    schemas = warehouse.connection.execute(
        "SELECT schema_name FROM information_schema.schemata "
        "WHERE schema_name NOT IN ('main', 'information_schema', 'pg_catalog')"
    ).fetchall()
    assert schemas == []


@pytest.fixture
def http_client(tmp_path):
    return create_app("onboard", str(ONBOARD_MAIN), "http").test_client()


def test_http_function_onboards_and_reports(http_client, tmp_path):
    response = http_client.post("/", json={"org_slug": "acme"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["dataset"] == "acme_prod" and body["dataset_created"] is True
    again = http_client.post("/", json={"org_slug": "acme"}).get_json()
    assert again["dataset_created"] is False and again["seed_rows_inserted"]["llm_model_pricing"] == 0


@pytest.mark.parametrize(
    "body, message",
    [
        ({"org_slug": "acme; DROP"}, "org_slug"),
        ({"org_slug": "a" * 300}, "org_slug"),
        ({}, "org_slug"),
        ({"org_slug": "acme", "extra": 1}, "extra"),
        (["acme"], "JSON object"),
    ],
)
def test_http_function_rejects_bad_input_with_400(http_client, body, message, tmp_path):
    response = http_client.post("/", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()  # nothing created


# -- one owner per object: with Terraform, onboarding verifies and never creates -------------------


def test_terraform_owned_schema_missing_dataset_is_named_and_nothing_is_created(warehouse):
    with pytest.raises(ConfigurationError, match=r"dataset acme_prod does not exist.*terraform apply"):
        onboard(warehouse, OnboardRequest(org_slug="acme"), schema_owner="terraform")
    assert not warehouse.dataset_exists("acme_prod")


def test_terraform_owned_schema_names_every_missing_table_and_procedure(warehouse):
    onboard(warehouse, OnboardRequest(org_slug="acme"))  # stands in for `terraform apply`
    warehouse.connection.execute("DROP TABLE acme_prod.llm_subscriptions")
    warehouse.connection.execute(
        "DELETE FROM acme_prod._embedded_routines WHERE routine_name = 'sp_genai_3_convert_to_focus'"
    )
    before = counts_without(warehouse, "llm_subscriptions")
    with pytest.raises(ConfigurationError) as info:
        onboard(warehouse, OnboardRequest(org_slug="acme"), schema_owner="terraform")
    message = str(info.value)
    assert "table llm_subscriptions" in message and "procedure sp_genai_3_convert_to_focus" in message
    assert "table llm_model_pricing" not in message
    # Verified before anything is written: the missing objects stay missing, no seed row moved.
    assert not warehouse.table_exists("acme_prod", "llm_subscriptions")
    assert not warehouse.routine_exists("acme_prod", "sp_genai_3_convert_to_focus")
    assert counts_without(warehouse, "llm_subscriptions") == before


def test_terraform_owned_schema_present_gets_views_and_seeds(warehouse):
    onboard(warehouse, OnboardRequest(org_slug="acme"))
    baseline = counts(warehouse)
    warehouse.connection.execute("DELETE FROM acme_prod.llm_model_pricing WHERE is_custom = FALSE")
    result = onboard(warehouse, OnboardRequest(org_slug="acme"), schema_owner="terraform")
    assert result.schema_owner == "terraform" and not result.dataset_created and not result.tables_created
    assert "llm_model_pricing" in result.tables_present and result.views
    assert result.seed_rows_inserted["llm_model_pricing"] > 40 and counts(warehouse) == baseline


def counts_without(wh, missing):
    return {
        t: wh.query("acme_prod", f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]
        for t in ("llm_model_pricing", "llm_subscriptions")
        if t != missing
    }


def test_http_function_in_terraform_mode_reports_what_terraform_must_create(http_client, monkeypatch, tmp_path):
    monkeypatch.setenv("GENAI_COSTS_SCHEMA_OWNER", "terraform")
    get_settings.cache_clear()
    response = http_client.post("/", json={"org_slug": "acme"})
    assert response.status_code == 500
    assert "dataset acme_prod does not exist" in response.get_json()["error"]
    with DuckDBWarehouse(tmp_path / "data" / "warehouse.duckdb") as wh:
        assert not wh.dataset_exists("acme_prod")


class TestTerraformOwnedSchemaOnBigQuery:
    """The cloud path with a mocked BigQuery client: which requests onboarding sends."""

    @pytest.fixture
    def client(self):
        client = mock.create_autospec(bigquery.Client, instance=True)
        client.query.return_value.result.return_value = [bigquery.Row((0,), {"row_count": 0})]
        client.query.return_value.num_dml_affected_rows = 0
        return client

    @pytest.fixture
    def bq(self, client):
        return BigQueryWarehouse("proj-1", location="EU", client=client)

    def test_missing_objects_are_named_and_no_ddl_is_sent(self, bq, client):
        client.get_table.side_effect = lambda ref: _missing_if(ref, "proj-1.acme_prod.llm_model_pricing")
        client.get_routine.side_effect = lambda ref: _missing_if(
            ref, "proj-1.acme_prod.sp_genai_2_consolidate_costs_daily"
        )
        with pytest.raises(ConfigurationError) as info:
            onboard(bq, OnboardRequest(org_slug="acme"), schema_owner="terraform")
        assert "table llm_model_pricing" in str(info.value)
        assert "procedure sp_genai_2_consolidate_costs_daily" in str(info.value)
        client.create_dataset.assert_not_called()
        client.create_table.assert_not_called()
        client.query.assert_not_called()
        client.load_table_from_file.assert_not_called()

    def test_present_objects_get_only_views_and_seed_rows(self, bq, client):
        result = onboard(bq, OnboardRequest(org_slug="acme"), schema_owner="terraform")
        client.create_dataset.assert_not_called()
        statements = [c.args[0] for c in client.query.call_args_list]
        assert not any("PROCEDURE" in s.upper().split("BEGIN")[0] for s in statements), "procedures are Terraform's"
        views = [s for s in statements if s.startswith("CREATE OR REPLACE VIEW")]
        assert len(views) == len(result.views) and all("`proj-1`.`acme_prod`." in v for v in views)
        # The only tables onboarding creates are its short-lived staging tables for the seed rows.
        created = [c.args[0].table_id for c in client.create_table.call_args_list]
        assert created and all(t.startswith("_staging_") for t in created)
        checked = {c.args[0] for c in client.get_table.call_args_list}
        assert "proj-1.acme_prod.llm_model_pricing" in checked and len(checked) == len(result.tables_present)


def _missing_if(ref: str, missing: str):
    if ref == missing:
        raise gexc.NotFound(ref)
    return mock.Mock()
