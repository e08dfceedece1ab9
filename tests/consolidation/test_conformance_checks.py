"""The project's own FOCUS conformance checks (sql/checks/) catch what they are for: each is run on
rows seeded with exactly one violation, and on the same rows without it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from genai_costs.conformance import check_files
from genai_costs.warehouse.sqlfiles import read_single_statement

UTC = dt.UTC
DAY = dt.date(2026, 11, 2)
CHECKS = {p.stem: p for p in check_files()}


def focus_row(world, **overrides) -> dict:
    """A valid priced FOCUS usage row; ``overrides`` seed the violation."""
    spec = world.specs["cost_data_standard_1_3"]
    start = dt.datetime.combine(DAY, dt.time(), UTC)
    row = dict.fromkeys(spec.field_names) | {
        "BilledCost": D("1"),
        "EffectiveCost": D("1"),
        "ListCost": D("1"),
        "ContractedCost": D("1"),
        "ListUnitPrice": D("1"),
        "ContractedUnitPrice": D("1"),
        "PricingQuantity": D("1"),
        "PricingUnit": "1000000 Tokens",
        "ConsumedQuantity": D("1000000"),
        "ConsumedUnit": "Tokens",
        "PricingCategory": "Standard",
        "BillingAccountId": "acme/openai",
        "BillingAccountType": "Provider Organization",
        "BillingCurrency": "USD",
        "PricingCurrency": "USD",
        "BillingPeriodStart": dt.datetime(2026, 11, 1, tzinfo=UTC),
        "BillingPeriodEnd": dt.datetime(2026, 12, 1, tzinfo=UTC),
        "ChargeCategory": "Usage",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": start,
        "ChargePeriodEnd": start + dt.timedelta(days=1),
        "HostProviderName": "OpenAI",
        "InvoiceIssuerName": "OpenAI",
        "ProviderName": "OpenAI",
        "PublisherName": "OpenAI",
        "ServiceProviderName": "OpenAI",
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": "OpenAI API",
        "ServiceSubcategory": "Generative AI",
        "SkuId": "openai:gpt-4o:input",
        "SkuMeter": "Input Tokens",
        "SkuPriceId": "openai:gpt-4o:input|p1:standard",
        "x_OrgSlug": "acme",
        "x_CostId": "c1",
        "x_Provider": "openai",
        "x_Flow": "payg",
        "x_ConvertedAt": start,
    }
    return row | overrides


def violations(world, check: str) -> list[dict]:
    return world.wh.query(
        "acme_prod",
        read_single_statement(CHECKS[check]),
        {"p_start_date": DAY, "p_end_date": DAY + dt.timedelta(days=1)},
    )


SEEDED = {
    # CAU-SkuPriceId-C-008-M: the GPU-hour rows of two models shared one SkuPriceId.
    "focus_sku_price_id_has_one_sku": (
        {"x_CostId": "c2", "SkuId": "vertex_ai:llama-3-70b:gpu_hours", "SkuPriceId": "billing_export:AE9C:gpu_hours"},
        {"x_CostId": "c3", "SkuId": "vertex_ai:gemma-2-27b:gpu_hours", "SkuPriceId": "billing_export:AE9C:gpu_hours"},
    ),
    # CAU-ServiceName-C-008-C: Vertex AI appeared as Generative AI and as Machine Learning.
    "focus_service_name_has_one_subcategory": (
        {"x_CostId": "c2", "ServiceName": "Vertex AI", "ServiceSubcategory": "Generative AI"},
        {"x_CostId": "c3", "ServiceName": "Vertex AI", "ServiceSubcategory": "Machine Learning"},
    ),
}


@pytest.mark.parametrize("check", sorted(SEEDED))
def test_the_check_catches_its_seeded_violation(world, check):
    spec = world.specs["cost_data_standard_1_3"]
    first, second = SEEDED[check]
    world.wh.load_rows("acme_prod", spec, [focus_row(world), focus_row(world, **first)])
    assert violations(world, check) == []  # one row of each: nothing to disagree with
    world.wh.load_rows("acme_prod", spec, [focus_row(world, **second)])
    found = violations(world, check)
    assert len(found) == 1, found


def test_every_check_file_is_a_known_check():
    assert set(SEEDED) <= set(CHECKS)
