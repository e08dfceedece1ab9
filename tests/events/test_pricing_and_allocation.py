"""Events priced by the bill's own engine (genai_costs_engine_payg), unknown models unpriced, and the bill
attributed to tenants, users, services and workflows: shares in proportion to the events' estimate,
the unexplained part as one remainder row, every pool adding back exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from genai_costs.conformance import CheckResult, run_conformance_checks
from genai_costs.model.window import Window
from genai_costs.paths import sql_root
from genai_costs.warehouse.base import Call
from genai_costs.warehouse.sqlfiles import load_procedures
from genai_costs.warehouse.tables import load_table_specs

from .conftest import DATASET, TODAY, EventsWorld, openai_event

DAY = TODAY - dt.timedelta(days=1)
KEYS = {"api_key_id": "key_platform", "project_id": "proj_learn"}


def _price(world: EventsWorld) -> tuple[str, Decimal, Decimal, Decimal]:
    (row,) = world.rows(
        f"SELECT pricing_id, input_price_per_1k, cached_input_price_per_1k, output_price_per_1k "
        f"FROM {DATASET}.llm_model_pricing WHERE provider = 'openai' AND model_id = 'gpt-4o' AND is_enabled "
        f"AND region IS NULL AND service_tier IS NULL AND effective_date <= ? AND (end_date IS NULL OR end_date >= ?) "
        f"ORDER BY effective_date DESC LIMIT 1",
        DAY,
        DAY,
    )
    return row


def _costs(world: EventsWorld) -> dict[str, tuple[Any, ...]]:
    rows = world.rows(
        f"SELECT event_id, estimated_cost_usd, pricing_id, cost_status, unpriced_reason "
        f"FROM {DATASET}.genai_usage_event_costs WHERE event_date >= ?",
        TODAY - dt.timedelta(days=40),
    )
    return {r[0]: r[1:] for r in rows}


def test_an_event_is_priced_by_the_catalog_row_that_prices_the_bill(world: EventsWorld) -> None:
    assert world.post([openai_event("req-1", **KEYS)]).status_code == 200
    world.consolidate()
    pricing_id, per_1k_in, per_1k_cached, per_1k_out = _price(world)
    expected = (600 * per_1k_in + 400 * per_1k_cached + 200 * per_1k_out) / 1000
    cost, used, status, reason = _costs(world)["req-1"]
    assert (status, used, reason) == ("priced", pricing_id, None)
    assert cost == expected.quantize(Decimal("0.000000001"))


def test_an_unknown_model_is_unpriced_with_a_reason_never_zero(world: EventsWorld) -> None:
    assert world.post([openai_event("req-x", model="gpt-9-turbo-imaginary")]).status_code == 200
    world.consolidate()
    cost, used, status, reason = _costs(world)["req-x"]
    assert (cost, used, status) == (None, None, "unpriced")
    assert "gpt-9-turbo-imaginary" in reason


def _pool(world: EventsWorld, cost: Decimal) -> None:
    """The bill's computed cost for the pool the events ran in (as sp_genai_2 would write it)."""
    spec = load_table_specs(sql_root())["genai_costs_daily_unified"]
    row = dict.fromkeys(spec.field_names) | {
        "cost_id": "u1:input",
        "flow": "payg",
        "charge_category": "Usage",
        "org_slug": "acme",
        "usage_date": DAY,
        "provider": "openai",
        "model": "gpt-4o-2024-08-06",
        "currency": "USD",
        "cost_status": "priced",
        "cost_usd": cost,
        "billed_cost_usd": cost,
        "consolidated_at": dt.datetime.now(dt.UTC),
        **KEYS,
    }
    world.wh.load_rows(DATASET, spec, [row])


def _allocate(world: EventsWorld) -> list[tuple[Any, ...]]:
    procedure = load_procedures(sql_root())["sp_genai_4b_allocate_costs"]
    params = {"p_org_slug": "acme", "p_start_date": DAY, "p_end_date": TODAY}
    world.wh.run_transaction(DATASET, [Call(procedure)], params)
    return world.rows(
        f"SELECT allocation_kind, tenant_id, user_id, requests, allocated_cost_usd "
        f"FROM {DATASET}.genai_cost_allocation "
        f"WHERE usage_date = ? ORDER BY allocation_kind, tenant_id, user_id",
        DAY,
    )


def _allocation_check(world: EventsWorld) -> CheckResult:
    checks = run_conformance_checks(world.wh, DATASET, Window(start=DAY, end=TODAY))
    (check,) = [c for c in checks if c.name == "allocation_adds_back_to_pool"]
    return check


def _three_calls(world: EventsWorld) -> Decimal:
    events = [
        openai_event("a1", tenant_id="tenant-a", user_id="u1", **KEYS),
        openai_event("a2", tenant_id="tenant-a", user_id="u1", **KEYS),
        openai_event("b1", tenant_id="tenant-b", user_id="u2", **KEYS),
    ]
    assert world.post(events).status_code == 200
    world.consolidate()
    return sum(c[0] for c in _costs(world).values())


def test_the_bill_is_split_by_estimate_and_the_unexplained_part_stays_visible(world: EventsWorld) -> None:
    estimate = _three_calls(world)
    bill = (estimate * Decimal("1.25")).quantize(Decimal("0.000000001")) + Decimal("0.000000001")
    _pool(world, bill)
    rows = _allocate(world)
    assert [r[:4] for r in rows] == [
        ("allocated", "tenant-a", "u1", 2),
        ("allocated", "tenant-b", "u2", 1),
        ("unallocated", None, None, 0),
    ]
    shares = {r[1]: r[4] for r in rows}
    assert sum(shares.values()) == bill  # exactly, at 9 decimals
    assert shares["tenant-a"] + shares["tenant-b"] == estimate  # the events explain their estimate, no more
    assert abs(shares["tenant-a"] - 2 * shares["tenant-b"]) <= Decimal("0.000000002")
    assert shares[None] == bill - estimate
    assert _allocation_check(world).violations == 0


def test_a_bill_below_the_estimate_is_fully_allocated_and_the_check_catches_a_lost_cent(world: EventsWorld) -> None:
    estimate = _three_calls(world)
    bill = (estimate / 3).quantize(Decimal("0.000000001"))  # e.g. a free tier or a discount
    _pool(world, bill)
    rows = _allocate(world)
    assert {r[0] for r in rows} == {"allocated"}
    assert sum(r[4] for r in rows) == bill
    world.rows(
        f"UPDATE {DATASET}.genai_cost_allocation SET allocated_cost_usd = allocated_cost_usd - 0.01 "
        f"WHERE tenant_id = 'tenant-b'"
    )
    assert _allocation_check(world).violations == 1


def test_an_event_is_long_context_when_its_own_prompt_exceeds_the_threshold(world: EventsWorld) -> None:
    # Seed row gemini-2.5-pro: $1.25 / $10 per 1M up to 200,000 prompt tokens, $2.50 / $15 above (the
    # whole request). An event knows its prompt size, so the tier is exact, never an estimate.
    events = [
        openai_event(
            event_id,
            provider="gemini",
            model="gemini-2.5-pro",
            input_uncached_tokens=prompt,
            input_cached_tokens=cached,
            output_tokens=1_000,
        )
        for event_id, prompt, cached in (
            ("long", 250_000, 0),
            ("at-threshold", 200_000, 0),
            ("short", 150_000, 0),
            ("long-with-cache", 150_000, 60_000),  # cache reads count toward the prompt: 210,000
        )
    ]
    assert world.post(events).status_code == 200
    world.consolidate()
    costs = {event_id: row[0] for event_id, row in _costs(world).items()}
    assert costs["long"] == Decimal("0.640")  # 250,000 x $2.50/1M + 1,000 x $15/1M
    assert costs["at-threshold"] == Decimal("0.260")  # 200,000 x $1.25/1M + 1,000 x $10/1M
    assert costs["short"] == Decimal("0.1975")
    # 150,000 x $2.50/1M + 60,000 x $0.25/1M (cache read $0.125 x the long-context ratio 2) + $0.015
    assert costs["long-with-cache"] == Decimal("0.405")


def test_only_an_event_without_any_tokens_costs_zero(world: EventsWorld) -> None:
    # A request that failed before the model read anything uses nothing: $0 with status no_usage. An event
    # with tokens never falls into that branch, even for a model no price covers.
    empty = openai_event("failed", status="error", input_uncached_tokens=0, input_cached_tokens=0, output_tokens=0)
    unknown = openai_event("unknown", model="gpt-9-turbo-imaginary", input_cached_tokens=0, output_tokens=0)
    assert world.post([empty, unknown]).status_code == 200
    world.consolidate()
    costs = _costs(world)
    assert costs["failed"][0] == Decimal(0) and costs["failed"][2] == "no_usage"
    assert costs["unknown"][0] is None and costs["unknown"][2] == "unpriced"
