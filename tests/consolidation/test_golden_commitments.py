"""Commitments amortized per day with used and unused parts, infrastructure hours x rate, and
their FOCUS 1.3 rows (Purchase + Used/Unused, Contract Commitment), computed by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal as D

UTC = dt.UTC


def add_capacity(
    world,
    hour: int,
    *,
    fraction="1",
    utilization: str | None = "0.5",
    units="100",
    price="1.00",
    day="2026-11-02",
    commitment="aoai/gpt-4o-ptu",
):
    start = dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")
    row = {
        "record_id": hashlib.sha256(f"{commitment}{start}".encode()).hexdigest()[:32],
        "run_id": "t",
        "ingested_at": start,
        "org_slug": "acme",
        "provider": "azure_openai",
        "commitment_type": "azure_ptu",
        "commitment_id": commitment,
        "commitment_name": "gpt-4o-ptu",
        "model": "gpt-4o",
        "region": "eastus",
        "usage_date": start.date(),
        "hour_start": start,
        "active_fraction": D(fraction),
        "provisioned_units": D(units),
        "capacity_unit": "PTU",
        "utilization": None if utilization is None else D(utilization),
        "hourly_unit_price_usd": None if price is None else D(price),
        "price_source": "azure_retail_prices",
        "term": "no_commitment",
        "commitment_start": dt.datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        "commitment_end": None,
        "terms_source": "provider_api",
        "source": "test",
    }
    world.wh.load_rows("acme_prod", world.specs["genai_commitment_azure_openai_capacity"], [row])


def focus(world, where="TRUE"):
    return world.wh.query(
        "acme_prod",
        "SELECT * FROM cost_data_standard_1_3 WHERE ChargePeriodStart >= "
        f"TIMESTAMP '2000-01-01' AND {where} ORDER BY ChargeCategory, CommitmentDiscountStatus",
    )


def test_commitment_started_mid_hour_is_prorated_and_split_into_used_and_unused(world):
    # Bought 09:30: the 09:00 hour counts half. 100 PTU x $1/h: hours 9 (0.5), 10, 11 -> 250 PTU-hours.
    add_capacity(world, 9, fraction="0.5", utilization="0.8")
    add_capacity(world, 10, utilization="0.5")
    add_capacity(world, 11, utilization="0")
    world.consolidate("2026-11-02", "2026-11-03")
    rows = {(r["charge_category"], r["commitment_status"]): r for r in world.costs("flow = 'commitment'")}
    purchase, used, unused = rows[("Purchase", None)], rows[("Usage", "Used")], rows[("Usage", "Unused")]
    # used: 50 x 0.8 + 100 x 0.5 + 0 = 90 PTU-hours; unused 160
    assert (purchase["pricing_quantity"], used["pricing_quantity"], unused["pricing_quantity"]) == (
        D(250),
        D(90),
        D(160),
    )
    assert (purchase["billed_cost_usd"], purchase["cost_usd"]) == (D(250), D(0))
    assert (used["cost_usd"], unused["cost_usd"]) == (D(90), D(160))
    assert used["cost_usd"] + unused["cost_usd"] == purchase["billed_cost_usd"]

    f = {(r["ChargeCategory"], r["CommitmentDiscountStatus"]): r for r in focus(world)}
    fp, fu, fn = f[("Purchase", None)], f[("Usage", "Used")], f[("Usage", "Unused")]
    assert (fp["ChargeFrequency"], fp["EffectiveCost"], fp["BilledCost"], fp["ConsumedQuantity"]) == (
        "Recurring",
        0,
        250,
        None,
    )
    assert (fu["PricingCategory"], fu["BilledCost"], fu["EffectiveCost"], fu["ConsumedQuantity"]) == (
        "Committed",
        0,
        90,
        90,
    )
    assert (fn["ConsumedQuantity"], fn["EffectiveCost"], fn["CommitmentDiscountQuantity"]) == (None, 160, 160)
    assert fp["PricingUnit"] == "PTU-Hours" and fp["CommitmentDiscountId"] == "aoai/gpt-4o-ptu"
    (contract,) = world.wh.query("acme_prod", "SELECT * FROM contract_commitment_1_3")
    assert contract["ContractCommitmentId"] == "aoai/gpt-4o-ptu" and contract["ContractCommitmentQuantity"] == 100
    assert contract["ContractCommitmentPeriodStart"] == dt.datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_commitment_without_a_price_is_unpriced_not_free(world):
    add_capacity(world, 10, price=None)
    world.consolidate("2026-11-02", "2026-11-03")
    rows = world.costs("flow = 'commitment'")
    assert rows and all(r["cost_status"] == "unpriced" and r["cost_usd"] is None for r in rows)
    assert "unit_hourly_price_usd" in rows[0]["unpriced_reason"]
    assert focus(world) == []


def test_unknown_utilization_counts_as_used_and_says_so(world):
    add_capacity(world, 10, utilization=None)
    world.consolidate("2026-11-02", "2026-11-03")
    used = world.cost_by(flow="commitment", commitment_status="Used")
    assert used["pricing_quantity"] == 100 and used["price_rule"] == "commitment_utilization_unknown"


def test_gpu_hours_times_rate(world):
    start = dt.datetime(2026, 11, 2, 10, tzinfo=UTC)
    row = {
        "record_id": "g1",
        "run_id": "t",
        "ingested_at": start,
        "org_slug": "acme",
        "provider": "vertex_ai",
        "usage_date": start.date(),
        "hour_start": start,
        "endpoint_id": "123",
        "deployed_model_id": "456",
        "model": "llama-3-70b",
        "region": "us-central1",
        "accelerator_type": "NVIDIA_H100_80GB",
        "accelerator_count": 8,
        "replica_hours": D("1.5"),
        "gpu_hours": D("12"),
        "hourly_rate_usd": D("9.796"),
        "sku_id": "AE9C-DB60-DF46",
        "sku_description": "H100",
        "provider_cost_usd": D("117.552"),
        "source": "test",
    }
    world.wh.load_rows("acme_prod", world.specs["genai_infrastructure_vertex_ai_gpu"], [row])
    world.consolidate("2026-11-02", "2026-11-03")
    gpu = world.cost_by(flow="infrastructure")
    assert (gpu["consumed_quantity"], gpu["cost_usd"], gpu["pricing_unit"]) == (D(12), D("117.552"), "GPU-Hours")
    (f,) = focus(world)
    # One ServiceSubcategory per ServiceName (FOCUS CAU-ServiceName-C-008-C): Vertex AI is Generative AI,
    # its GPU hours included (they were "Machine Learning" while its tokens were "Generative AI").
    assert (f["ServiceSubcategory"], f["SkuMeter"], f["EffectiveCost"]) == (
        "Generative AI",
        "GPU Hours",
        D("117.552"),
    )
