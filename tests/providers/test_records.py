from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from genai_costs.model.records import CostRecord, UsageRecord

T0 = datetime(2025, 8, 1, 23, tzinfo=UTC)


def rec(**kw):
    base = {"provider": "openai", "source": "openai.usage.completions", "bucket_start": T0, "bucket_width": "1h"}
    return UsageRecord(**{**base, **kw})


def test_usage_date_derived_from_utc_bucket_start():
    r = rec(bucket_start=datetime(2025, 8, 2, 1, tzinfo=timezone(timedelta(hours=2))), provider_total_tokens=0)
    assert r.bucket_start == datetime(2025, 8, 1, 23, tzinfo=UTC)
    assert r.usage_date == date(2025, 8, 1)


def test_naive_bucket_start_and_wrong_usage_date_rejected():
    with pytest.raises(ValidationError):
        rec(bucket_start=datetime(2025, 8, 1), provider_total_tokens=0)
    with pytest.raises(ValidationError):
        rec(usage_date=date(2025, 8, 2), provider_total_tokens=0)


def test_invariant_ok_and_mismatch_kept_honest():
    ok = rec(
        input_uncached_tokens=500,
        input_cached_tokens=400,
        cache_write_5m_tokens=100,
        output_tokens=500,
        provider_total_tokens=1500,
    )
    assert ok.category_sum() == 1500 and ok.invariant_violation() is None
    bad = rec(input_uncached_tokens=500, output_tokens=500, provider_total_tokens=1500)
    assert bad.provider_total_tokens == 1500  # not "fixed"
    assert "sum to 1000" in bad.invariant_violation()


def test_negative_category_is_a_violation_not_a_crash():
    r = rec(input_uncached_tokens=-5, input_cached_tokens=10, provider_total_tokens=5)
    assert r.category_sum() == 5
    assert "negative" in r.invariant_violation()


def test_records_are_frozen():
    r = rec(provider_total_tokens=0)
    with pytest.raises(ValidationError):
        r.output_tokens = 3


def test_cost_record_currency_upper_and_decimal():
    c = CostRecord(
        provider="openai", source="openai.costs", usage_date=date(2025, 8, 1), amount=Decimal("0.06"), currency="usd"
    )
    assert c.currency == "USD" and c.amount == Decimal("0.06") and c.is_estimated is False
    with pytest.raises(ValidationError):
        CostRecord(provider="x", source="y", usage_date=date(2025, 8, 1), amount=Decimal("1"), currency="dollars")
