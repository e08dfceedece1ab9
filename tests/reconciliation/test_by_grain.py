"""Events reconciled against the provider at each grain, with hand-computed figures.

Prices: $1 per 1M input tokens, $2 per 1M output tokens. Both sides of a token bucket are valued at
these prices, so a bucket's dollar gap is its token gap priced; matched means within 5 % of the
estimate or within $0.05, both inclusive."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .conftest import DAY, TODAY, ReconWorld, at

DAY2 = DAY + dt.timedelta(days=1)
TOKEN_GRAIN = "api key x model x 1h bucket (tokens)"
DOLLAR_GRAIN = "day x project x model line items (dollars)"


def build(recon: ReconWorld) -> None:
    u, e = recon.usage, recon.event
    u(at(DAY, 8), input_uncached_tokens=1_000_000)
    u(at(DAY, 9), input_uncached_tokens=1_000_000)
    u(at(DAY, 10), input_uncached_tokens=1_000_000)
    u(at(DAY, 11), output_tokens=5_250_000)
    u(at(DAY, 12), output_tokens=5_255_000)
    u(at(DAY, 13), key="k2", input_uncached_tokens=2_000_000)
    u(at(DAY2, 8), key="k3", project="p2", input_uncached_tokens=1_000_000)
    now = dt.datetime.now(dt.UTC)
    u(at(TODAY, now.hour), input_uncached_tokens=1_000)
    recon.cost(DAY, "23.19")
    recon.cost(DAY2, "1.20", project="p2")
    recon.cost(DAY2, "0.50", project="p3")
    recon.cost(TODAY - dt.timedelta(days=1), "7.00")
    recon.consolidate()  # prices the usage; the events are loaded after (sp_genai_0 owns their table)
    e(at(DAY, 8, 5), input_uncached_tokens=600_000)
    e(at(DAY, 8, 40), input_uncached_tokens=400_000)
    e(at(DAY, 9, 1), input_uncached_tokens=950_000)
    e(at(DAY, 10, 2), input_uncached_tokens=940_000)
    e(at(DAY, 11, 3), output_tokens=5_000_000)
    e(at(DAY, 12, 4), output_tokens=5_000_000)
    e(at(DAY, 14, 30), input_uncached_tokens=300_000)
    e(at(DAY2, 8, 15), key="k3", project="p2", input_uncached_tokens=1_000_000)
    e(at(TODAY, now.hour, 0), input_uncached_tokens=1_000)


def by_bucket(recon: ReconWorld) -> dict[tuple[dt.datetime, str | None], dict]:
    rows = recon.rows(f"grain = '{TOKEN_GRAIN}'")
    return {(r["bucket_start"], r["api_key_id"]): r for r in rows}


def test_token_buckets_get_each_status_with_the_boundary_on_both_sides(recon: ReconWorld) -> None:
    build(recon)
    rows = by_bucket(recon)

    def check(hour: int, key: str, status: str, est: str, act: str, cause: str | None) -> None:
        r = rows[(at(DAY, hour), key)]
        assert (r["status"], r["estimated_usd"], r["actual_usd"], r["cause"]) == (
            status,
            Decimal(est),
            Decimal(act),
            cause,
        ), r

    check(8, "k1", "matched", "1", "1", None)  # two events make up the bucket exactly
    check(9, "k1", "matched", "0.95", "1", "events missing from the bucket")  # $0.05 (5.26 %): inside
    check(10, "k1", "discrepancy", "0.94", "1", "events missing from the bucket")  # $0.06 (6.4 %): outside
    check(11, "k1", "matched", "10", "10.5", "events missing from the bucket")  # 5.00 % ($0.50): inside
    check(12, "k1", "discrepancy", "10", "10.51", "events missing from the bucket")  # 5.1 % ($0.51): outside
    check(13, "k2", "not found", "0", "2", "no event: traffic outside the applications, or events lost")
    check(14, "k1", "not found", "0.3", "0", "no provider usage for the events")
    assert rows[(at(DAY, 11), "k1")]["estimated_tokens"] == 5_000_000
    assert rows[(at(DAY, 11), "k1")]["actual_tokens"] == 5_250_000
    now = dt.datetime.now(dt.UTC)
    assert rows[(at(TODAY, now.hour), "k1")]["status"] == "pending"  # the current hour is still filling


def test_dollars_reconcile_per_day_project_and_model(recon: ReconWorld) -> None:
    build(recon)
    rows = {(r["usage_date"], r["project_id"]): r for r in recon.rows(f"grain = '{DOLLAR_GRAIN}'")}
    day = rows[(DAY, "p1")]
    # 1.00 + 0.95 + 0.94 + 10.00 + 10.00 + 0.30 of events against a $23.19 bill
    assert (day["status"], day["estimated_usd"], day["actual_usd"]) == ("matched", Decimal("23.19"), Decimal("23.19"))
    assert day["line_items"] == "gpt-recon-test, input"
    p2 = rows[(DAY2, "p2")]
    assert (p2["status"], p2["difference_usd"], p2["difference_pct"]) == ("discrepancy", Decimal("0.2"), Decimal(20))
    assert p2["cause"] == "price, tier or cache difference"
    p3 = rows[(DAY2, "p3")]
    assert (p3["status"], p3["actual_usd"], p3["estimated_usd"]) == ("not found", Decimal("0.5"), Decimal(0))
    assert rows[(TODAY - dt.timedelta(days=1), "p1")]["status"] == "pending"  # costs trail by up to two days


def test_every_row_names_its_grain_and_the_summary_counts_them(recon: ReconWorld) -> None:
    build(recon)
    rows = recon.rows()
    assert rows and all(r["grain"] for r in rows)
    summary = {
        r["grain"]: r
        for r in recon.wh.query("acme_prod", "SELECT * FROM genai_reconciliation_summary WHERE provider = 'openai'")
    }
    tokens = summary[TOKEN_GRAIN]
    # buckets on DAY: 8, 9, 11 matched; 10, 12 discrepancy; 13, 14 not found; DAY2 08:00 matched; now pending
    assert (tokens["matched"], tokens["discrepancy"], tokens["not_found"], tokens["pending"]) == (4, 2, 2, 1)
    assert tokens["match_rate_pct"] == 66.7  # 4 of the 6 decided
    dollars = summary[DOLLAR_GRAIN]
    # pending: yesterday's bill, and today's events whose bill is not out yet
    assert (dollars["matched"], dollars["discrepancy"], dollars["not_found"], dollars["pending"]) == (1, 1, 1, 2)
    assert dollars["actual_usd"] == Decimal("31.89")  # 23.19 + 1.20 + 0.50 + 7.00


def test_unpriced_buckets_compare_tokens_within_five_percent(recon: ReconWorld) -> None:
    recon.usage(at(DAY, 8), key="k9", model="mystery-model", input_uncached_tokens=1_000)
    recon.usage(at(DAY, 9), key="k9", model="mystery-model", input_uncached_tokens=1_000)
    recon.consolidate()
    recon.event(at(DAY, 8, 1), key="k9", model="mystery-model", input_uncached_tokens=960)  # 4.2 % of 960: inside
    recon.event(at(DAY, 9, 1), key="k9", model="mystery-model", input_uncached_tokens=940)  # 6.4 %: outside
    rows = {r["bucket_start"]: r for r in recon.rows(f"grain = '{TOKEN_GRAIN}' AND api_key_id = 'k9'")}
    assert [(rows[at(DAY, h)]["status"], rows[at(DAY, h)]["cause"]) for h in (8, 9)] == [
        ("matched", "unpriced"),
        ("discrepancy", "unpriced"),
    ]
    assert rows[at(DAY, 8)]["estimated_usd"] is None and rows[at(DAY, 8)]["actual_tokens"] == 1_000
