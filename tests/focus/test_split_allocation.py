"""FOCUS 1.3 split cost allocation (sp_genai_4c_split_focus_allocations): a pay-as-you-go charge that usage
events explain is replaced by one allocated charge per consumer plus the unallocated remainder, whose costs
and quantities add back exactly to it; a charge no event explains stays as it was; the conformance check
catches a split that does not add back. Expectations are computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from genai_costs.conformance import CheckResult, run_conformance_checks
from genai_costs.model.window import Window
from genai_costs.paths import sql_root
from genai_costs.warehouse.base import Call
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse
from genai_costs.warehouse.sqlfiles import load_procedures
from genai_costs.warehouse.tables import load_table_specs

DATASET = "acme_prod"
DAY = dt.date(2026, 10, 14)
EARLIER = dt.date(2026, 10, 9)  # outside the window W = [DAY, DAY + 1)
WINDOW = Window(start=DAY, end=DAY + dt.timedelta(days=1))
MODEL = "gpt-4o-2024-08-06"
KEYS = {"api_key_id": "key_platform", "project_id": "proj_learn"}
METHOD = "genai-costs/usage-events-estimate-share/v1"
D = Decimal


def consumer(tenant: str) -> str:
    return f"tenant/{tenant}/user/-/service/-/workflow/-"


def unified_row(
    cost_id: str, day: dt.date, provider: str, model: str, token_type: str, tokens: int, price: str, **keys
):
    """A priced pay-as-you-go unified row as sp_genai_2 writes it: price per 1,000,000 tokens."""
    quantity = D(tokens) / 1_000_000
    cost = (D(price) * quantity).quantize(D("0.000000001"))
    return {
        "cost_id": cost_id, "flow": "payg", "charge_category": "Usage", "org_slug": "acme", "usage_date": day,
        "provider": provider, "model": model, "token_type": token_type, "usage_id": f"u:{cost_id}",
        "pricing_id": f"{provider}-{model}", "price_match": "exact", "price_rule": "standard", "pricing_type": "payg",
        "consumed_quantity": D(tokens), "consumed_unit": "Tokens", "pricing_unit": "1000000 Tokens",
        "pricing_quantity": quantity, "list_unit_price": D(price), "unit_price": D(price), "list_cost_usd": cost,
        "cost_usd": cost, "billed_cost_usd": cost, "currency": "USD", "cost_status": "priced",
        "consolidated_at": dt.datetime(2026, 10, 15, tzinfo=dt.UTC), **keys,
    }  # fmt: skip


def allocation_row(
    day: dt.date, provider: str, model: str, kind: str, tenant: str | None, share: str, pool: str, **keys
):
    return {
        "allocation_id": f"{day}:{provider}:{kind}:{tenant}", "org_slug": "acme", "usage_date": day,
        "provider": provider, "model": model, "allocation_kind": kind, "tenant_id": tenant,
        "requests": 0 if tenant is None else 2, "estimated_cost_usd": None if tenant is None else D("0.02"),
        "pool_cost_usd": D(pool), "allocated_cost_usd": D(share), "consolidated_at": dt.datetime.now(dt.UTC), **keys,
    }  # fmt: skip


class World:
    def __init__(self, wh: DuckDBWarehouse) -> None:
        self.wh = wh
        self.specs = load_table_specs(sql_root())
        self.procedures = load_procedures(sql_root())

    def load(self, table: str, rows: list[dict[str, Any]]) -> None:
        spec = self.specs[table]
        self.wh.load_rows(DATASET, spec, [dict.fromkeys(spec.field_names) | row for row in rows])

    def call(self, name: str, window: Window = WINDOW) -> None:
        params = {"p_org_slug": "acme", "p_start_date": window.start, "p_end_date": window.end}
        self.wh.run_transaction(DATASET, [Call(self.procedures[name])], params)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.wh.connection.execute(sql, list(params)).fetchall()

    def focus(self, columns: str, where: str = "TRUE") -> list[tuple[Any, ...]]:
        return self.rows(
            f"SELECT {columns} FROM {DATASET}.cost_data_standard_1_3 WHERE {where} "
            f"ORDER BY x_CostId, AllocatedResourceId NULLS LAST"
        )

    def check(self, name: str, window: Window = WINDOW) -> CheckResult:
        (result,) = [c for c in run_conformance_checks(self.wh, DATASET, window) if c.name == name]
        return result


@pytest.fixture
def world(acme_warehouse: DuckDBWarehouse) -> Iterator[World]:
    """Day W: an OpenAI pool (input + output rows) that three tenants' events explain in part, and an
    Anthropic pool no event explains; day EARLIER (outside W): a pool with events, already converted."""
    w = World(acme_warehouse)
    w.load(
        "genai_costs_daily_unified",
        [
            # 10,000 input tokens at $2.50 / 1M = 0.025; 1,000 output tokens at $10 / 1M = 0.010: pool 0.035
            unified_row("in", DAY, "openai", MODEL, "input", 10_000, "2.5", **KEYS),
            unified_row("out", DAY, "openai", MODEL, "output", 1_000, "10", **KEYS),
            # 3,000 input tokens at $3 / 1M = 0.009, no event
            unified_row("claude", DAY, "anthropic", "claude-sonnet-4-5", "input", 3_000, "3"),
            unified_row("old", EARLIER, "openai", MODEL, "input", 10_000, "2.5", **KEYS),
        ],
    )
    # What sp_genai_4b writes: 0.010 to each tenant (the events' estimate), 0.005 unexplained.
    pool = "0.035"
    w.load(
        "genai_cost_allocation",
        [
            *(allocation_row(DAY, "openai", MODEL, "allocated", t, "0.01", pool, **KEYS) for t in ("ta", "tb", "tc")),
            allocation_row(DAY, "openai", MODEL, "unallocated", None, "0.005", pool, **KEYS),
            allocation_row(DAY, "anthropic", "claude-sonnet-4-5", "unallocated", None, "0.009", "0.009"),
            allocation_row(EARLIER, "openai", MODEL, "allocated", "ta", "0.025", "0.025", **KEYS),
        ],
    )
    for window in (Window(start=EARLIER, end=EARLIER + dt.timedelta(days=1)), WINDOW):
        w.call("sp_genai_3_convert_to_focus", window)
    yield w


SPLIT_COLUMNS = (
    "x_CostId, AllocatedResourceId, PricingQuantity, ConsumedQuantity, ListCost, ContractedCost, EffectiveCost, "
    "BilledCost, PricingCurrencyEffectiveCost"
)


def test_three_tenants_and_the_remainder_add_back_to_the_nano_dollar(world: World) -> None:
    world.call("sp_genai_4c_split_focus_allocations")
    # Cumulative ratios 0.01/0.035 -> 0.285714286, 0.02/0.035 -> 0.571428571, 0.03/0.035 -> 0.857142857, 1.
    # input: PricingQuantity 0.01 x those, rounded, differenced: 0.002857143 x 3 and 0.001428571;
    # ListCost = 2.5 x each: 0.0071428575 x 3 and 0.0035714275, floored to 0.007142857 x 3 + 0.003571427 =
    # 0.024999998; the 2 nano-dollars left go to the largest fractions (all .5: in order, ta then tb).
    # output: PricingQuantity 0.000285714, 0.000285715, 0.000285714, 0.000142857; ListCost = 10 x each, exact.
    expected = [
        ("in", consumer("ta"), "0.002857143", "2857.142860", "0.007142858"),
        ("in", consumer("tb"), "0.002857143", "2857.142850", "0.007142858"),
        ("in", consumer("tc"), "0.002857143", "2857.142860", "0.007142857"),
        ("in", None, "0.001428571", "1428.571430", "0.003571427"),
        ("out", consumer("ta"), "0.000285714", "285.714286", "0.002857140"),
        ("out", consumer("tb"), "0.000285715", "285.714285", "0.002857150"),
        ("out", consumer("tc"), "0.000285714", "285.714286", "0.002857140"),
        ("out", None, "0.000142857", "142.857143", "0.001428570"),
    ]
    rows = world.focus(SPLIT_COLUMNS, "x_Provider = 'openai' AND ChargePeriodStart >= TIMESTAMP '2026-10-14'")
    assert [r[:5] for r in rows] == [(c, a, D(q), D(t), D(cost)) for c, a, q, t, cost in expected]
    # pay-as-you-go: contracted = effective = billed = list, share by share
    assert all(r[4] == r[5] == r[6] == r[7] == r[8] for r in rows)
    totals = world.rows(
        f"SELECT x_CostId, SUM(EffectiveCost), SUM(PricingQuantity), SUM(ConsumedQuantity) "
        f"FROM {DATASET}.cost_data_standard_1_3 WHERE x_Provider = 'openai' AND AllocatedMethodId IS NOT NULL "
        f"AND ChargePeriodStart >= TIMESTAMP '2026-10-14' GROUP BY 1 ORDER BY 1"
    )
    assert totals == [("in", D("0.025"), D("0.01"), D("10000")), ("out", D("0.01"), D("0.001"), D("1000"))]


def test_split_rows_carry_the_method_the_consumer_and_ratios_that_sum_to_one(world: World) -> None:
    dimensions = "Tags, SkuPriceId, ListUnitPrice, ChargeDescription, SubAccountId, ServiceName, BillingAccountId"
    (origin,) = world.focus(dimensions, "x_CostId = 'in'")
    world.call("sp_genai_4c_split_focus_allocations")
    rows = world.focus(
        "AllocatedMethodId, AllocatedResourceId, AllocatedResourceName, AllocatedTags, AllocatedMethodDetails, "
        "Tags, x_ConsumerId, x_TenantId",
        "x_CostId = 'in'",
    )
    assert {r[0] for r in rows} == {METHOD}
    ratios = [D(str(json.loads(r[4])["Elements"][0]["AllocatedRatio"])) for r in rows]
    assert ratios == [D("0.285714286"), D("0.285714285"), D("0.285714286"), D("0.142857143")]
    assert sum(ratios) == 1
    ta, _, _, remainder = rows
    assert (ta[1], ta[2], json.loads(ta[3]), ta[6], ta[7]) == (
        consumer("ta"),
        "tenant ta",
        {"x_TenantId": "ta"},
        consumer("ta"),
        "ta",
    )
    assert (remainder[1], remainder[2], remainder[3], remainder[6], remainder[7]) == (None, None, None, None, None)
    # dimensions, unit prices and Tags of the origin, unchanged on every allocated charge
    assert set(world.focus(dimensions, "x_CostId = 'in'")) == {origin}
    assert origin[0] == '{"x_ApiKeyId":"key_platform"}' and origin[2] == D("2.5")


def test_a_provider_day_without_events_keeps_its_origin_row_untouched(world: World) -> None:
    before = world.focus("*", "x_Provider = 'anthropic'")
    world.call("sp_genai_4c_split_focus_allocations")
    assert world.focus("*", "x_Provider = 'anthropic'") == before
    assert [r[:2] for r in world.focus("AllocatedMethodId, EffectiveCost", "x_Provider = 'anthropic'")] == [
        (None, D("0.009"))
    ]


def test_rerunning_changes_nothing_and_nothing_outside_the_window_is_touched(world: World) -> None:
    world.call("sp_genai_4c_split_focus_allocations")
    inside = world.focus("*")
    world.call("sp_genai_4c_split_focus_allocations")
    assert world.focus("*") == inside
    # EARLIER has events too, but is outside W: its origin is still whole and unsplit.
    assert world.focus("AllocatedMethodId, EffectiveCost", "x_CostId = 'old'") == [(None, D("0.025"))]
    # The whole consolidation step order (sp_genai_3 rewrites W, then 4c splits) gives the same rows again.
    strip = "* EXCLUDE (x_ConvertedAt)"
    world.call("sp_genai_3_convert_to_focus")
    world.call("sp_genai_4c_split_focus_allocations")
    # (x_ConvertedAt is followed by the five allocation columns and x_EstimateReason)
    assert world.focus(strip) == [r[:-7] + r[-6:] for r in inside]
    assert len(world.focus("*", "x_Provider = 'openai' AND AllocatedMethodId IS NOT NULL")) == 8


def test_the_checks_pass_on_the_split_and_fail_on_a_tampered_row(world: World) -> None:
    world.call("sp_genai_4c_split_focus_allocations")
    for name in ("focus_allocations_add_back_to_origin", "focus_cost_equals_price_times_quantity"):
        assert world.check(name).violations == 0, world.check(name).sample
    table = f"{DATASET}.cost_data_standard_1_3"
    world.rows(
        f"UPDATE {table} SET EffectiveCost = EffectiveCost + 0.000000001 WHERE x_CostId = 'in' AND x_TenantId = 'tb'"
    )
    result = world.check("focus_allocations_add_back_to_origin")
    assert result.violations == 1
    assert "EffectiveCost: split 0.025000001" in str(result.sample)


def test_the_check_fails_when_the_origin_is_kept_next_to_its_split(world: World) -> None:
    table = f"{DATASET}.cost_data_standard_1_3"
    world.rows(f"CREATE TABLE {DATASET}.origin_copy AS SELECT * FROM {table} WHERE x_CostId = 'out'")
    world.call("sp_genai_4c_split_focus_allocations")
    world.rows(f"INSERT INTO {table} SELECT * FROM {DATASET}.origin_copy")
    result = world.check("focus_allocations_add_back_to_origin")
    assert result.violations == 1
    assert "counted twice" in str(result.sample)


def test_the_check_fails_on_a_quantity_that_does_not_add_back(world: World) -> None:
    world.call("sp_genai_4c_split_focus_allocations")
    world.rows(
        f"UPDATE {DATASET}.cost_data_standard_1_3 SET ConsumedQuantity = ConsumedQuantity + 1 "
        f"WHERE x_CostId = 'out' AND AllocatedResourceId IS NULL"
    )
    result = world.check("focus_allocations_add_back_to_origin")
    assert result.violations == 1
    assert "ConsumedQuantity: split 1001" in str(result.sample)
