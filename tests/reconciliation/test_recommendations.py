"""Savings recommendations, computed by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from .conftest import DAY, TODAY, ReconWorld

UTC = dt.UTC


def capacity(recon: ReconWorld, day: dt.date, hour: int, utilization: str, commitment: str = "aoai/ptu") -> None:
    start = dt.datetime.combine(day, dt.time(hour), UTC)
    row = dict.fromkeys(recon.specs["genai_commitment_azure_openai_capacity"].field_names) | {
        "record_id": hashlib.sha256(f"{commitment}{start}".encode()).hexdigest()[:32],
        "run_id": "t",
        "ingested_at": start,
        "org_slug": "acme",
        "provider": "azure_openai",
        "commitment_type": "azure_ptu",
        "commitment_id": commitment,
        "commitment_name": commitment,
        "model": "gpt-4o",
        "region": "eastus",
        "usage_date": day,
        "hour_start": start,
        "active_fraction": Decimal(1),
        "provisioned_units": Decimal(100),
        "capacity_unit": "PTU",
        "utilization": Decimal(utilization),
        "hourly_unit_price_usd": Decimal("1.00"),
        "price_source": "azure_retail_prices",
        "term": "no_commitment",
        "commitment_start": dt.datetime(2020, 1, 1, tzinfo=UTC),
        "terms_source": "provider_api",
        "source": "test",
    }
    recon.wh.load_rows("acme_prod", recon.specs["genai_commitment_azure_openai_capacity"], [row])


def test_an_underused_commitment_is_right_sized_and_a_busy_one_is_not(recon: ReconWorld) -> None:
    # 100 PTU x $1/h. Underused: two days, two hours each at 25 % -> bought 400 PTU-hours ($400), used 100,
    # unused $300 over 2 days -> $4,500 per 30 days. Busy: 90 % used, no recommendation.
    for day in (DAY, DAY + dt.timedelta(days=1)):
        for hour in (9, 10):
            capacity(recon, day, hour, "0.25")
            capacity(recon, day, hour, "0.9", commitment="aoai/busy")
    recon.consolidate()
    rows = recon.wh.query("acme_prod", "SELECT * FROM genai_savings_recommendations")
    (r,) = rows
    assert (r["recommendation_type"], r["subject"], r["utilization_pct"]) == ("commitment_right_sizing", "aoai/ptu", 25)
    assert (r["evidence_days"], r["evidence_cost_usd"], r["savings_usd_per_month"]) == (2, Decimal(400), Decimal(4500))
    assert r["evidence_start"] == DAY and r["evidence_end"] == DAY + dt.timedelta(days=1) < TODAY
