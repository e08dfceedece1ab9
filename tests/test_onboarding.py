"""Onboarding is idempotent, keeps custom prices, and refuses hostile slugs before creating anything."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from functions_framework import create_app

from genai_costs.onboarding import OnboardRequest, onboard

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
