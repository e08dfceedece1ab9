"""Corrections, not silent rewrites (issue 11 item 6), hand-computed.

The world: a custom gpt-4o price of $2.50 / $10.00 per 1M input / output tokens from 2026-01-01;
usage on 2026-11-10 (1,000,000 input, 100,000 output) and on 2026-12-01 (2,000,000 input); today is
2026-12-10 and November is closed. The price is corrected to $3.00 per 1M input:

- December (open) is re-priced in place: 2,000,000 x $3.00 / 1M = $6.00 (was $5.00);
- November keeps its rows ($2.50 input, $1.00 output) and gets ONE correction, for the input row:
  1,000,000 x ($3.00 - $2.50) / 1M = $0.50, billed in December (BillingPeriodStart 2026-12-01) and
  charged on 2026-11-10; the output row's cost did not change, so it gets none.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from genai_costs.periods import PeriodRequest, PeriodStore
from genai_costs.pricing.catalog_api import CatalogApi, UpdatePrice
from genai_costs.pricing.corrections import reprice
from genai_costs.pricing.preview import preview_change

TODAY = dt.date(2026, 12, 10)
NOW = dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC)


@pytest.fixture
def priced(world):
    pricing_id = world.add_price("openai", "gpt-4o", "2.50", "10.00", pricing_type="standard")
    world.add_usage("openai", "2026-11-10", "gpt-4o", input_uncached_tokens=1_000_000, output_tokens=100_000)
    world.add_usage("openai", "2026-12-01", "gpt-4o", input_uncached_tokens=2_000_000)
    world.consolidate("2026-11-01", "2026-12-10")
    PeriodStore(world.wh, "acme", now=NOW).close(
        PeriodRequest(org_slug="acme", month=dt.date(2026, 11, 1), actor="cli:finance", reason="invoiced")
    )
    world.pricing_id = pricing_id
    return world


def change_price(world, **rates_per_1m: str):
    api = CatalogApi(world.wh, "acme", now=NOW)
    fields = {k: Decimal(v) / 1000 for k, v in rates_per_1m.items()}
    change = api.update(
        "pricing",
        UpdatePrice(org_slug="acme", provider="openai", row_id=world.pricing_id, actor="test", **fields),
    )
    rows = [r for r in (change.previous, change.row) if r is not None]
    return reprice(world.wh, "acme", rows, today=TODAY)


def corrections(world) -> list[dict]:
    return world.wh.query(
        "acme_prod",
        "SELECT * FROM cost_data_standard_1_3 WHERE ChargePeriodStart >= TIMESTAMP '2000-01-01' "
        "AND ChargeClass = 'Correction' ORDER BY x_CostId",
    )


def ledger(world) -> list[dict]:
    return world.wh.query("acme_prod", "SELECT * FROM genai_cost_corrections ORDER BY correction_id")


def test_open_month_is_repriced_in_place(priced):
    result = change_price(priced, input_price_per_1k="3.00")
    assert priced.cost_by(usage_date=dt.date(2026, 12, 1), token_type="input")["cost_usd"] == Decimal("6.000000000")
    # only open days are re-priced: December, from its first day (November is closed)
    assert [w.start for w in result.repriced] == [dt.date(2026, 12, 1)]
    assert all(dt.date(2026, 12, 1) <= w.end <= dt.date(2026, 12, 11) for w in result.repriced)


def test_closed_month_keeps_its_rows_and_gets_one_correction_per_changed_origin(priced):
    unified_before = priced.snapshot("genai_costs_daily_unified", "usage_date")
    nov_before = [r for r in unified_before if ("usage_date", "2026-11-10") in r]
    result = change_price(priced, input_price_per_1k="3.00")

    nov_after = [
        r for r in priced.snapshot("genai_costs_daily_unified", "usage_date") if ("usage_date", "2026-11-10") in r
    ]
    assert nov_after == nov_before  # the closed month's rows are untouched
    assert priced.cost_by(usage_date=dt.date(2026, 11, 10), token_type="input")["cost_usd"] == Decimal("2.5")

    rows = corrections(priced)
    assert len(rows) == 1 and result.corrections_written == 1
    row = rows[0]
    assert row["EffectiveCost"] == Decimal("0.500000000")
    assert row["BilledCost"] == Decimal("0.500000000")
    assert row["ChargeClass"] == "Correction"
    assert row["ChargePeriodStart"].date() == dt.date(2026, 11, 10)
    assert row["BillingPeriodStart"].date() == dt.date(2026, 12, 1)
    assert row["BillingPeriodEnd"].date() == dt.date(2027, 1, 1)
    assert row["x_PricingId"] == priced.pricing_id and row["x_TokenType"] == "input"

    (entry,) = ledger(priced)
    origin = priced.cost_by(usage_date=dt.date(2026, 11, 10), token_type="input")
    assert entry["origin_cost_id"] == origin["cost_id"]
    assert entry["correction_id"] == row["x_CostId"]
    assert (entry["old_cost_usd"], entry["new_cost_usd"], entry["cost_difference_usd"]) == (
        Decimal("2.5"),
        Decimal("3"),
        Decimal("0.5"),
    )
    assert entry["old_pricing_id"] == entry["new_pricing_id"] == priced.pricing_id


def test_rerun_changes_nothing(priced):
    change_price(priced, input_price_per_1k="3.00")
    focus = priced.snapshot("cost_data_standard_1_3", "ChargePeriodStart")
    again = reprice(
        priced.wh,
        "acme",
        [
            {**r}
            for r in priced.wh.query(
                "acme_prod", f"SELECT * FROM llm_model_pricing WHERE pricing_id = '{priced.pricing_id}'"
            )
        ],
        today=TODAY,
    )
    assert again.corrections_written == 0
    assert priced.snapshot("cost_data_standard_1_3", "ChargePeriodStart") == focus
    assert len(ledger(priced)) == 1


def test_second_change_corrects_the_stated_cost_not_the_original(priced):
    change_price(priced, input_price_per_1k="3.00")
    change_price(priced, input_price_per_1k="2.00")
    amounts = sorted(r["EffectiveCost"] for r in corrections(priced))
    # 2.50 -> 3.00 (+0.50), then 3.00 -> 2.00 (-1.00): the November input now totals 2.50 + 0.50 - 1.00 = 2.00
    assert amounts == [Decimal("-1.000000000"), Decimal("0.500000000")]


def test_zero_difference_writes_nothing(priced):
    # a cache-read rate: no cached tokens were used, so no cost changes
    result = change_price(priced, cached_input_price_per_1k="1.25")
    assert result.corrections_written == 0
    assert corrections(priced) == [] and ledger(priced) == []


def test_reopened_month_is_repriced_in_place_and_its_corrections_go(priced):
    change_price(priced, input_price_per_1k="3.00")
    PeriodStore(priced.wh, "acme", now=NOW).reopen(
        PeriodRequest(org_slug="acme", month=dt.date(2026, 11, 1), actor="t")
    )
    priced.consolidate("2026-11-01", "2026-12-01")
    assert priced.cost_by(usage_date=dt.date(2026, 11, 10), token_type="input")["cost_usd"] == Decimal("3.000000000")
    assert corrections(priced) == [] and ledger(priced) == []


def test_consolidation_never_rewrites_a_closed_month(priced):
    before = priced.snapshot("cost_data_standard_1_3", "ChargePeriodStart")
    priced.wh.execute(
        "acme_prod", f"UPDATE llm_model_pricing SET input_price_per_1k = 0.004 WHERE pricing_id = '{priced.pricing_id}'"
    )
    priced.consolidate("2026-11-01", "2026-12-01")
    assert priced.snapshot("cost_data_standard_1_3", "ChargePeriodStart") == before


def test_preview_shows_cost_per_provider_model_month_and_leaves_the_catalog_as_it_was(priced):
    catalog = priced.snapshot("llm_model_pricing", "effective_date")
    api = CatalogApi(priced.wh, "acme", now=NOW, dry_run=True)
    api.update(
        "pricing",
        UpdatePrice(
            org_slug="acme", provider="openai", row_id=priced.pricing_id, actor="t", input_price_per_1k=Decimal("0.003")
        ),
    )
    lines = preview_change(priced.wh, "acme", api.planned, today=TODAY)
    assert priced.snapshot("llm_model_pricing", "effective_date") == catalog
    assert [
        (x.month, x.is_closed, x.old_cost_usd, x.new_cost_usd, x.difference_usd, x.rows_changed) for x in lines
    ] == [
        # November: the input row only, 1M x $2.50 -> $3.00; closed, so it would be a correction
        (dt.date(2026, 11, 1), True, Decimal("2.5"), Decimal("3"), Decimal("0.5"), 1),
        # December: 2M x $2.50 -> $3.00, re-priced in place
        (dt.date(2026, 12, 1), False, Decimal("5"), Decimal("6"), Decimal("1"), 1),
    ]
    assert corrections(priced) == []  # a preview corrects nothing


@pytest.fixture
def cli(priced, monkeypatch):
    """The CLI on the test's warehouse (its commands open the warehouse the settings name)."""
    from contextlib import nullcontext

    from typer.testing import CliRunner

    from genai_costs_cli import periods as periods_cli
    from genai_costs_cli import prices as prices_cli
    from genai_costs_cli.app import app

    for module in (periods_cli, prices_cli):
        monkeypatch.setattr(module, "open_warehouse", lambda _settings: nullcontext(priced.wh))
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    return run


def test_cli_periods_and_diff_before_the_change(cli, priced, tmp_path):
    out = cli("periods", "list", "acme")
    assert "2026-11" in out and "closed" in out and "cli:finance" in out and "invoiced" in out

    change = tmp_path / "change.json"
    change.write_text('{"input_price_per_1k": 0.003}')
    out = cli("prices", "diff", "acme", "--provider", "openai", "--row", priced.pricing_id, "--file", str(change))
    lines = [line.split("│") for line in out.splitlines() if "gpt-4o" in line and "2026-" in line]
    cells = [[c.strip() for c in line if c.strip()] for line in lines]
    assert cells == [
        ["openai", "gpt-4o", "2026-11", "2.5", "3", "0.5", "1", "correction (closed month)"],
        ["openai", "gpt-4o", "2026-12", "5", "6", "1", "1", "re-price (open month)"],
    ]
    assert "total difference: 1.5 USD" in out
    assert corrections(priced) == []  # nothing applied yet

    out = cli("periods", "reopen", "acme", "2026-11", "--actor", "cli:cfo")
    assert "open" in out and "cli:cfo" in out
    assert "re-price (open month)" in cli(
        "prices", "diff", "acme", "--provider", "openai", "--row", priced.pricing_id, "--file", str(change)
    )


def test_pricing_api_patch_reprices_and_says_so(priced):
    from genai_costs.pricing.http_api import route

    call = route(
        "PATCH",
        f"/api/v1/integrations/acme/openai/pricing/{priced.pricing_id}",
        {},
        {"input_price_per_1k": Decimal("0.003")},
        actor="finops@example.com",
    )
    change = call.work(priced.wh, call.model.model_validate(call.payload))
    assert change.repricing["corrections_written"] == 1
    # billed in the current month (the API runs on the wall clock)
    assert change.repricing["billing_period_start"] == dt.datetime.now(dt.UTC).date().replace(day=1).isoformat()
    assert [r["EffectiveCost"] for r in corrections(priced)] == [Decimal("0.500000000")]
