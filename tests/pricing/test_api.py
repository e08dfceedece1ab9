"""The pricing and plans API: the seed's routes, its allowed values, validation before any write,
an audit row per change, custom rows that survive seed resets and price syncs."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from functions_framework import create_app

from genai_costs.onboarding import OnboardRequest, onboard
from genai_costs.pricing.sync import SyncRequest, run_sync
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

from .conftest import NOW, make_sources

MAIN = Path(__file__).resolve().parents[2] / "functions" / "pricing_api" / "main.py"
PRICING = "/api/v1/integrations/acme/openai/pricing"
SUBSCRIPTIONS = "/api/v1/integrations/acme/gemini/subscriptions"
D = Decimal

PRICE = {
    "model_id": "gpt-4o",
    "input_price_per_1k": "0.0019",
    "output_price_per_1k": "0.0081",
    "effective_date": "2026-01-01",
    "pricing_type": "negotiated",
    "discount_percentage": 24,
    "discount_reason": "negotiated",
    "base_input_price_per_1k": "0.0025",
}
PLAN = {
    "plan_name": "ENTERPRISE_2026",
    "tier_type": "enterprise",
    "unit_price_usd": "12000",
    "effective_date": "2026-01-01",
    "end_date": "2026-12-31",
    "rpm_limit": 5000,
}


def token(email: str) -> str:
    """An ID token as Cloud Run passes it on (verified by the platform before the function runs)."""
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    return f"Bearer {part({'alg': 'RS256'})}.{part({'email': email, 'sub': '1'})}.signature"


@pytest.fixture
def client(acme_onboarded):
    app = create_app("pricing_api", str(MAIN), "http").test_client()
    app.environ_base["HTTP_AUTHORIZATION"] = token("ana@example.com")
    return app


def db(query: str) -> list[dict]:
    with open_warehouse(get_settings()) as wh:
        return wh.query("acme_prod", query)


def counts() -> dict[str, int]:
    return {
        t: db(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]
        for t in ("llm_model_pricing", "llm_subscriptions", "llm_pricing_audit")
    }


def audits(row_id: str) -> list[dict]:
    return db(f"SELECT * FROM llm_pricing_audit WHERE row_id = '{row_id}' ORDER BY changed_at, action")


# -- prices -------------------------------------------------------------------------------------------------


def test_create_reads_back_exactly_with_an_audit_row(client):
    created = client.post(
        PRICING,
        data='{"model_id": "gpt-4o", "input_price_per_1k": 0.0000375, '
        '"output_price_per_1k": 0.00015, "effective_date": "2026-01-01", "pricing_type": "negotiated"}',
        content_type="application/json",
    )
    assert created.status_code == 200, created.get_json()
    body = created.get_json()
    assert body["action"] == "created"
    row = body["row"]
    assert row["is_custom"] is True and row["is_enabled"] is True and row["currency"] == "USD"
    assert (row["input_price_per_1k"], row["output_price_per_1k"]) == ("0.0000375", "0.00015")  # no float digits
    stored = db(f"SELECT * FROM llm_model_pricing WHERE pricing_id = '{row['pricing_id']}'")[0]
    assert stored["input_price_per_1k"] == D("0.0000375")
    (audit,) = audits(row["pricing_id"])
    assert (audit["action"], audit["actor"], audit["table_name"]) == ("create", "ana@example.com", "llm_model_pricing")
    assert audit["before_json"] is None and json.loads(audit["after_json"])["input_price_per_1k"] == "0.0000375"
    listed = client.get(f"{PRICING}?model_id=gpt-4o&custom_only=true").get_json()["rows"]
    assert [r["pricing_id"] for r in listed] == [row["pricing_id"]]
    one = client.get(f"{PRICING}/{row['pricing_id']}").get_json()["rows"]
    assert one[0]["output_price_per_1k"] == "0.00015"


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"pricing_type": "discounted"}, 400, "pricing_type"),
        ({"input_price_per_1k": "-0.001"}, 400, "input_price_per_1k"),
        ({"input_price_per_1k": "0.0000000001"}, 400, "input_price_per_1k"),  # 10 decimals: NUMERIC keeps 9
        ({"discount_percentage": 101}, 400, "discount_percentage"),
        ({"discount_reason": "loyalty"}, 400, "discount_reason"),
        ({"discount_reason": None}, 400, "discount_percentage needs a discount_reason"),
        ({"free_tier_reset_frequency": "weekly", "free_tier_input_tokens": 10}, 400, "free_tier_reset_frequency"),
        ({"free_tier_input_tokens": 1000}, 400, "needs free_tier_reset_frequency"),
        ({"pricing_type": "volume_discount"}, 400, "volume_threshold_tokens"),
        ({"end_date": "2025-12-31"}, 400, "is after end_date"),
        ({"base_input_price_per_1k": "0.001"}, 400, "below input_price_per_1k"),
        ({"long_context_input_price_per_1k": "0.004"}, 400, "long_context_threshold_tokens"),
        ({"currency": "EUR"}, 400, "currency"),
        ({"input_price": "0.001"}, 400, "input_price"),  # a typo is an error, not an ignored field
        ({"model_id": "gpt 4o"}, 400, "model_id"),
        ({"is_custom": False}, 400, "is_custom"),
        ({"input_price_per_1k": None}, 400, "input_price_per_1k"),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_written(client, change, status, message):
    before = counts()
    response = client.post(PRICING, json={**PRICE, **change})
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["error"]
    assert counts() == before


def test_overlapping_validity_for_the_same_key_is_a_conflict(client):
    assert client.post(PRICING, json=PRICE).status_code == 200
    before = counts()
    clash = client.post(PRICING, json={**PRICE, "effective_date": "2026-06-01"})
    assert clash.status_code == 409 and "overlaps" in clash.get_json()["error"]
    assert counts() == before
    # another region, another tier, or a catalog (non-custom) row is another key
    assert client.post(PRICING, json={**PRICE, "region": "eu"}).status_code == 200
    assert client.post(PRICING, json={**PRICE, "service_tier": "priority"}).status_code == 200


def test_patch_corrects_in_place_and_a_later_effective_date_is_a_new_version(client):
    row = client.post(PRICING, json=PRICE).get_json()["row"]
    fixed = client.patch(f"{PRICING}/{row['pricing_id']}", json={"output_price_per_1k": "0.008", "reason": "typo"})
    assert fixed.status_code == 200 and fixed.get_json()["action"] == "corrected"
    assert fixed.get_json()["row"]["output_price_per_1k"] == "0.008"
    versioned = client.patch(
        f"{PRICING}/{row['pricing_id']}", json={"input_price_per_1k": "0.0017", "effective_date": "2026-07-01"}
    ).get_json()
    assert versioned["action"] == "versioned"
    assert versioned["previous"]["end_date"] == "2026-06-30" and versioned["previous"]["input_price_per_1k"] == "0.0019"
    assert versioned["row"]["effective_date"] == "2026-07-01" and versioned["row"]["input_price_per_1k"] == "0.0017"
    assert versioned["row"]["output_price_per_1k"] == "0.008"  # carried over
    rows = db("SELECT * FROM llm_model_pricing WHERE is_custom ORDER BY effective_date")
    assert [(r["effective_date"], r["end_date"], r["input_price_per_1k"]) for r in rows] == [
        (dt.date(2026, 1, 1), dt.date(2026, 6, 30), D("0.0019")),
        (dt.date(2026, 7, 1), None, D("0.0017")),
    ]
    assert [a["action"] for a in audits(row["pricing_id"])] == ["create", "update", "end_date"]
    assert json.loads(audits(row["pricing_id"])[1]["before_json"])["output_price_per_1k"] == "0.0081"
    assert audits(row["pricing_id"])[1]["reason"] == "typo"


def test_put_replaces_every_field(client):
    row = client.post(PRICING, json=PRICE).get_json()["row"]
    replaced = client.put(
        f"{PRICING}/{row['pricing_id']}",
        json={
            **PRICE,
            "discount_percentage": None,
            "discount_reason": None,
            "base_input_price_per_1k": None,
            "pricing_type": "standard",
        },
    )
    assert replaced.status_code == 200, replaced.get_json()
    new = replaced.get_json()["row"]
    assert new["pricing_type"] == "standard" and new["discount_percentage"] is None


def test_catalog_rows_are_not_edited_but_can_be_disabled(client):
    seed = db("SELECT pricing_id FROM llm_model_pricing WHERE provider = 'openai' AND model_id = 'o3-mini'")[0]
    refused = client.patch(f"{PRICING}/{seed['pricing_id']}", json={"input_price_per_1k": "0.001"})
    assert refused.status_code == 409 and "catalog row" in refused.get_json()["error"]
    disabled = client.delete(f"{PRICING}/{seed['pricing_id']}?reason=paid+plan")
    assert disabled.status_code == 200 and disabled.get_json()["action"] == "disabled"
    assert (
        db(f"SELECT is_enabled FROM llm_model_pricing WHERE pricing_id = '{seed['pricing_id']}'")[0]["is_enabled"]
        is False
    )
    assert client.delete(f"{PRICING}/{seed['pricing_id']}").get_json()["action"] == "unchanged"
    (audit,) = audits(seed["pricing_id"])
    assert (audit["action"], audit["reason"], audit["actor"]) == ("disable", "paid plan", "ana@example.com")


def test_routes_give_404_and_405_and_the_body_cannot_set_the_path(client):
    assert client.get(f"{PRICING}/no-such-row").status_code == 404
    assert client.get("/api/v1/integrations/acme/openai/prices").status_code == 404
    assert client.delete(PRICING).status_code == 405
    assert client.post("/api/v1/integrations/acme/mistral/pricing", json=PRICE).status_code == 400
    assert client.post("/api/v1/integrations/ACME/openai/pricing", json=PRICE).status_code == 400
    assert "from the path" in client.post(PRICING, json={**PRICE, "provider": "anthropic"}).get_json()["error"]
    assert client.post(PRICING, data="{not json", content_type="application/json").status_code == 400


# -- subscriptions -----------------------------------------------------------------------------------------


def test_subscription_crud_with_the_seed_values_and_an_audit_row_each(client):
    created = client.post(SUBSCRIPTIONS, json=PLAN)
    assert created.status_code == 200, created.get_json()
    row = created.get_json()["row"]
    assert row["is_custom"] is True and row["quantity"] == 1 and row["unit_price_usd"] == "12000"
    patched = client.patch(f"{SUBSCRIPTIONS}/{row['subscription_id']}", json={"rpm_limit": 6000}).get_json()
    assert patched["action"] == "corrected" and patched["row"]["rpm_limit"] == 6000
    assert client.delete(f"{SUBSCRIPTIONS}/{row['subscription_id']}").get_json()["action"] == "disabled"
    assert [a["action"] for a in audits(row["subscription_id"])] == ["create", "update", "disable"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tier_type": "gold"}, "tier_type"),
        ({"unit_price_usd": "-1"}, "unit_price_usd"),
        ({"discount_percentage": "100.5"}, "discount_percentage"),
        ({"end_date": "2025-01-01"}, "is after end_date"),
        ({"auth_type": "password"}, "auth_type"),
        ({"tier_type": "trial"}, "trial_end_date or trial_credit_usd"),
        ({"tier_type": "committed_use"}, "commitment_term_months or commitment_type"),
        ({"commitment_type": "azure_ptu"}, "commitment_units"),
        ({"commitment_type": "gpu_reservation", "commitment_units": 1}, "commitment_type"),
        ({"unit_hourly_price_usd": "1.00", "unit_price_usd": "700"}, "x 730"),
        ({"quantity": 0}, "quantity"),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_written(client, change, message):
    before = counts()
    response = client.post(SUBSCRIPTIONS, json={**PLAN, **change})
    assert response.status_code == 400, response.get_json()
    assert message in response.get_json()["error"]
    assert counts() == before


def test_an_hourly_commitment_gets_its_monthly_unit_price(client):
    ptu = {
        "plan_name": "PTU_EU",
        "tier_type": "committed_use",
        "commitment_type": "azure_ptu",
        "commitment_units": 50,
        "quantity": 50,
        "unit_hourly_price_usd": "1.10",
        "effective_date": "2026-02-01",
    }
    row = client.post("/api/v1/integrations/acme/azure_openai/subscriptions", json=ptu).get_json()["row"]
    assert row["unit_price_usd"] == "803"


# -- custom rows survive seed resets and price syncs ------------------------------------------------------


def test_custom_rows_survive_a_seed_reset_and_a_price_sync(client):
    price = client.post(PRICING, json=PRICE).get_json()["row"]
    plan = client.post(SUBSCRIPTIONS, json=PLAN).get_json()["row"]
    with open_warehouse(get_settings()) as wh:
        onboard(wh, OnboardRequest(org_slug="acme", reset_seed=True))
        run_sync(wh, SyncRequest(org_slug="acme"), sources=make_sources(), now=NOW)
    assert client.get(f"{PRICING}/{price['pricing_id']}").get_json()["rows"][0] == price
    assert client.get(f"{SUBSCRIPTIONS}/{plan['subscription_id']}").get_json()["rows"][0] == plan
