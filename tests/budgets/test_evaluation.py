"""Spend to date of every budget from two ledgers, one query for all budgets: provider-billed or
computed cost for the days each source is complete through, usage events' estimates after that (and
for every day where only events carry the scope), each counted once, in exact decimals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .conftest import at

D = dt.date.fromisoformat


def test_bills_count_for_complete_days_and_events_only_for_the_days_after(world):
    org = world.budget("org", "1000")
    world.billed_through("2026-03-09", "openai")
    for day in range(1, 10):
        world.billed(f"2026-03-{day:02d}", "10")
    for day in range(1, 12):  # the events of billed days are already in the bill
        world.event(f"2026-03-{day:02d}T08:00:00", "1")
    world.event("2026-03-11T13:00:00", "100")  # after now: not spend to date
    status = world.evaluate("2026-03-11T12:00:00").statuses[0]
    assert status.billed_usd == Decimal("90")
    assert status.estimated_usd == Decimal("2")
    assert status.spend_usd == Decimal("92")
    assert status.billed_through == D("2026-03-09")
    assert status.estimated_days == [D("2026-03-10"), D("2026-03-11")]
    row = world.status(org.budget_id)
    assert (row["spend_usd"], row["spend_source"], row["utilization_percent"]) == (
        Decimal("92"),
        "billed_and_estimated",
        Decimal("9.2"),
    )


def test_a_provider_that_is_never_billed_makes_every_day_an_estimate(world):
    world.budget("org", "1000")
    world.billed_through("2026-03-09", "openai")
    world.billed("2026-03-02", "10")
    world.event("2026-03-02T08:00:00", "3", provider="anthropic")
    status = world.evaluate("2026-03-11T12:00:00").statuses[0]
    assert status.spend_usd == Decimal("13")
    assert status.billed_through is None
    assert status.estimated_days[0] == D("2026-03-01") and status.estimated_days[-1] == D("2026-03-11")


def test_tenant_user_service_workflow_and_tag_scopes_are_fed_by_events_only(world):
    world.billed_through("2026-03-09", "openai")
    world.billed("2026-03-02", "500")  # a bill carries no tenant: never in a tenant budget
    world.event("2026-03-02T08:00:00", "4", tenant="acme", user="ana", service="tutor", tags={"team": "ml"})
    world.event("2026-03-10T08:00:00", "2", tenant="acme", user="bo", service="tutor", tags={"team": "ops"})
    world.event("2026-03-10T09:00:00", "7", tenant="globex", user="ana", workflow="wf-1")
    world.event("2026-03-10T10:00:00", "1", tenant="acme")  # no tags at all
    budgets = {
        "acme": world.budget("acme", "100", scope={"tenant": "acme"}),
        "ana": world.budget("ana", "100", scope={"user": "ana"}),
        "tutor": world.budget("tutor", "100", scope={"service": "tutor"}),
        "wf": world.budget("wf", "100", scope={"workflow": "wf-1"}),
        "ml": world.budget("ml", "100", scope={"tags": {"team": "ml"}}),
        "acme-ops": world.budget("acme-ops", "100", scope={"tenant": "acme", "tags": {"team": "ops"}}),
        "org": world.budget("org", "1000"),
    }
    statuses = {s.budget.name: s for s in world.evaluate("2026-03-11T12:00:00").statuses}
    spend = {name: statuses[name].spend_usd for name in budgets}
    assert spend == {
        "acme": Decimal("7"),
        "ana": Decimal("11"),
        "tutor": Decimal("6"),
        "wf": Decimal("7"),
        "ml": Decimal("4"),
        "acme-ops": Decimal("2"),
        "org": Decimal("510"),  # the bill through the 9th (the 2nd's event is in it) + the 10th's events
    }
    assert statuses["acme"].source.value == "events_only" and statuses["acme"].billed_usd == 0
    assert statuses["acme"].estimated_days[0] == D("2026-03-01")
    assert world.status(budgets["ml"].budget_id)["spend_source"] == "events_only"


def test_provider_model_and_project_scopes_read_bills_and_events(world):
    world.billed_through("2026-03-09", "openai", "anthropic")
    world.billed("2026-03-05", "10", model="gpt-4o", project="p1")
    world.billed("2026-03-05", "20", model="gpt-4o-mini", project="p2")
    world.billed("2026-03-05", "40", provider="anthropic", model="claude-sonnet-4", project="p1")
    world.event("2026-03-10T08:00:00", "1", model="gpt-4o", project="p1")
    world.event("2026-03-10T08:00:00", "2", provider="anthropic", model="claude-sonnet-4", project="p2")
    world.budget("openai", "100", scope={"provider": "openai"})
    world.budget("gpt-4o", "100", scope={"model": "gpt-4o"})
    world.budget("p1", "100", scope={"project": "p1"})
    world.budget("anthropic p2", "100", scope={"provider": "anthropic", "project": "p2"})
    spend = {s.budget.name: s.spend_usd for s in world.evaluate("2026-03-11T12:00:00").statuses}
    assert spend == {
        "openai": Decimal("31"),
        "gpt-4o": Decimal("11"),
        "p1": Decimal("51"),
        "anthropic p2": Decimal("2"),
    }


def test_a_period_in_new_york_starts_at_its_local_midnight(world):
    budget = world.budget("ny", "1000", period={"kind": "monthly", "time_zone": "America/New_York"})
    world.billed_through("2026-03-02", "openai")
    world.billed("2026-02-28", "24")  # before the period
    world.billed("2026-03-01", "24")  # the period starts at 05:00 UTC: 19 of its 24 hours count
    world.billed("2026-03-02", "24")
    world.event("2026-03-03T04:59:59.999999", "5")  # unbilled day, inside
    world.event("2026-03-01T04:59:59", "1000")  # billed day: the bill has it
    status = world.evaluate("2026-03-03T12:00:00").statuses[0]
    assert status.period.start_at == at("2026-03-01T05:00:00")
    assert status.billed_usd == Decimal("19") + Decimal("24")
    assert status.spend_usd == Decimal("48")
    assert world.status(budget.budget_id)["period_start_at"] == at("2026-03-01T05:00:00")


def test_events_on_either_side_of_a_period_boundary_fall_in_their_own_period(world):
    world.budget("berlin", "1000", period={"kind": "monthly", "time_zone": "Europe/Berlin"})
    world.event("2026-02-28T22:59:59.999999", "1")  # 23:59:59.999999 on 28 February in Berlin
    world.event("2026-02-28T23:00:00", "10")  # midnight on 1 March in Berlin
    world.event("2026-03-31T21:59:59", "100")  # last second of March (CEST from the 29th)
    march = world.evaluate("2026-03-31T21:59:59.500000").statuses[0]
    assert march.spend_usd == Decimal("110")
    april = world.evaluate("2026-03-31T22:00:00").statuses[0]
    assert (april.period.start, april.spend_usd) == (D("2026-04-01"), Decimal("0"))


def test_a_threshold_is_crossed_exactly_at_its_amount_and_not_a_nano_dollar_before(world):
    exact = world.budget("exact", "100", scope={"tenant": "a"}, thresholds=[{"percent": 50}])
    short = world.budget("short", "100", scope={"tenant": "b"}, thresholds=[{"percent": 50}])
    world.event("2026-03-02T08:00:00", "49.999999999", tenant="a")
    world.event("2026-03-02T09:00:00", "0.000000001", tenant="a")
    world.event("2026-03-02T08:00:00", "49.999999999", tenant="b")
    statuses = {s.budget.budget_id: s for s in world.evaluate("2026-03-03T00:00:00").statuses}
    assert [t.percent for t in statuses[exact.budget_id].crossed] == [Decimal(50)]
    assert statuses[exact.budget_id].level.value == "warning"
    assert statuses[short.budget_id].crossed == []
    assert statuses[short.budget_id].level.value == "within"
    assert statuses[short.budget_id].utilization_percent == Decimal("49.99")  # rounded down, never up


def test_exceeded_at_the_amount_itself(world):
    world.budget("cap", "20", thresholds=[{"percent": 80}])
    world.event("2026-03-02T08:00:00", "20")
    status = world.evaluate("2026-03-03T00:00:00").statuses[0]
    assert status.level.value == "exceeded" and status.utilization_percent == Decimal("100")


def test_a_forecast_threshold_crosses_on_the_forecast_while_actual_spend_is_below(world):
    budget = world.budget(
        "march",
        "300",
        thresholds=[{"percent": 50}, {"percent": 100, "basis": "forecast"}],
    )
    day = D("2026-02-15")
    while day < D("2026-03-15"):  # 28 days of history at $10 a day
        world.event(f"{day}T12:00:00", "10")
        day += dt.timedelta(days=1)
    status = world.evaluate("2026-03-15T00:00:00").statuses[0]
    assert status.spend_usd == Decimal("140")  # 1..14 March
    assert status.forecast is not None
    assert status.forecast.expected == Decimal("310")  # + 17 days x $10
    assert (status.forecast.low, status.forecast.high) == (Decimal("310"), Decimal("310"))
    assert [(t.percent, t.basis.value) for t in status.crossed] == [(Decimal(100), "forecast")]
    row = world.status(budget.budget_id)
    assert (row["forecast_usd"], row["forecast_utilization_percent"], row["status"]) == (
        Decimal("310"),
        Decimal("103.33"),
        "warning",
    )


def test_the_forecast_follows_the_weekday_profile_and_its_band(world):
    world.budget("weekdays", "10000")
    # Four weeks: weekdays $100 (one Monday $60), weekends nothing.
    day = D("2026-02-02")  # a Monday
    while day < D("2026-03-02"):
        if day.weekday() < 5:
            world.event(f"{day}T12:00:00", "60" if day == D("2026-02-09") else "100")
        day += dt.timedelta(days=1)
    status = world.evaluate("2026-03-02T00:00:00").statuses[0]  # Monday 2 March, nothing spent yet
    # March 2026 from the 2nd: 22 weekdays (5 Mondays), 8 weekend days.
    assert status.spend_usd == 0
    assert status.forecast.history_days == 28
    mondays, other_weekdays = 5, 17
    assert status.forecast.expected == mondays * Decimal("90") + other_weekdays * Decimal("100")
    assert status.forecast.low == mondays * Decimal("60") + other_weekdays * Decimal("100")
    assert status.forecast.high == Decimal("2200")


def test_no_forecast_without_a_week_of_history(world):
    world.budget("new", "100", thresholds=[{"percent": 1, "basis": "forecast"}])
    world.event("2026-03-10T12:00:00", "50")
    status = world.evaluate("2026-03-14T00:00:00").statuses[0]  # data since the 10th: 4 days
    assert status.forecast is None and status.crossed == []


def test_unpriced_events_are_counted_and_left_out_of_spend(world):
    budget = world.budget("org", "100")
    world.event("2026-03-02T08:00:00", None, model="mystery-1")
    world.event("2026-03-02T09:00:00", "5")
    status = world.evaluate("2026-03-03T00:00:00").statuses[0]
    assert (status.spend_usd, status.unpriced_events) == (Decimal("5"), 1)
    assert world.status(budget.budget_id)["unpriced_events"] == 1


def test_paused_and_out_of_range_budgets_are_not_evaluated(world):
    world.budget("paused", "100", enabled=False)
    world.budget("later", "100", period={"kind": "custom", "start": "2026-04-01", "end": "2026-05-01"})
    active = world.budget("now", "100", period={"kind": "custom", "start": "2026-03-01", "end": "2026-03-31"})
    evaluation = world.evaluate("2026-03-03T00:00:00")
    assert [s.budget.budget_id for s in evaluation.statuses] == [active.budget_id]


def test_every_evaluation_adds_to_the_status_history(world):
    budget = world.budget("org", "100")
    world.event("2026-03-02T08:00:00", "5")
    world.evaluate("2026-03-03T00:00:00")
    world.event("2026-03-03T08:00:00", "5")
    world.evaluate("2026-03-03T10:00:00")
    history = world.rows(
        "SELECT evaluated_at, spend_usd FROM genai_budget_status WHERE evaluation_date >= DATE '2026-03-01' "
        "AND budget_id = @p_id ORDER BY evaluated_at",
        p_id=budget.budget_id,
    )
    assert [r["spend_usd"] for r in history] == [Decimal("5"), Decimal("10")]
    runs = world.rows("SELECT status FROM genai_ingestion_runs WHERE flow = 'budgets' ORDER BY event_at")
    assert [r["status"] for r in runs] == ["started", "succeeded", "started", "succeeded"]
