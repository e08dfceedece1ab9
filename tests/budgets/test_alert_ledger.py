"""The alert ledger: exactly one alert per (budget, period, threshold, basis) however often the
evaluation runs, re-armed by a new period, unmoved by a changed amount except for what it newly
crosses, one delivery per alert and channel, reminders only when the budget's cooldown asks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from genai_costs.alerting.targets import SlackTarget
from genai_costs.budgets.ledger import raise_operational_alert
from genai_costs.budgets.model import BudgetChange
from genai_costs.budgets.store import change_budget
from genai_costs.model.alert import Alert, AlertKind

from .conftest import DATASET, alert_json, at

SLACK = {"kind": "slack", "secret_id": "alerts-slack"}
HOOK = {"kind": "webhook", "secret_id": "alerts-webhook"}


def keys(world) -> list[str]:
    return [r["ledger_key"] for r in world.ledger()]


def test_each_crossing_is_recorded_once_however_often_it_is_evaluated(world):
    budget = world.budget("acme", "100", scope={"tenant": "acme"}, channels=[SLACK, HOOK])
    world.event("2026-03-02T08:00:00", "60", tenant="acme")
    for minute in range(4):
        world.evaluate(at("2026-03-02T09:00:00") + dt.timedelta(minutes=5 * minute))
    assert keys(world) == [f"budget|{budget.budget_id}|2026-03-01|50|actual|0"]
    assert [(d["channel"], d["status"]) for d in world.deliveries()] == [("slack", "pending"), ("webhook", "pending")]
    alert = Alert.model_validate(alert_json(world.ledger()[0]))
    assert alert.kind is AlertKind.BUDGET_ACTUAL
    assert (alert.budget.spend_to_date, alert.budget.threshold_percent) == (Decimal("60"), Decimal("50"))
    assert alert.budget.top.tenants[0].name == "acme"


def test_thresholds_crossed_together_are_all_recorded_and_only_the_highest_is_sent(world):
    budget = world.budget("acme", "100", scope={"tenant": "acme"}, channels=[SLACK])
    world.event("2026-03-02T08:00:00", "95", tenant="acme")
    world.evaluate("2026-03-02T09:00:00")
    rows = {r["threshold_percent"]: r for r in world.ledger()}
    assert sorted(rows) == [Decimal(50), Decimal(75), Decimal(90)]
    assert rows[Decimal(90)]["superseded_by"] is None
    assert {rows[p]["superseded_by"] for p in (Decimal(50), Decimal(75))} == {rows[Decimal(90)]["alert_id"]}
    assert [d["alert_id"] for d in world.deliveries()] == [rows[Decimal(90)]["alert_id"]]
    # The 100 % threshold crosses later: its own alert, sent.
    world.event("2026-03-02T10:00:00", "5", tenant="acme")
    world.evaluate("2026-03-02T11:00:00")
    assert len(world.deliveries()) == 2
    assert world.status(budget.budget_id)["status"] == "exceeded"


def test_a_new_period_re_arms_every_threshold(world):
    budget = world.budget("daily", "10", period={"kind": "daily"}, thresholds=[{"percent": 100}])
    world.event("2026-03-02T08:00:00", "10")
    world.evaluate("2026-03-02T09:00:00")
    world.event("2026-03-03T08:00:00", "12")
    world.evaluate("2026-03-03T09:00:00")
    world.evaluate("2026-03-03T10:00:00")
    assert keys(world) == [
        f"budget|{budget.budget_id}|2026-03-02|100|actual|0",
        f"budget|{budget.budget_id}|2026-03-03|100|actual|0",
    ]


def test_a_changed_amount_does_not_resend_and_alerts_only_what_it_newly_crosses(world):
    budget = world.budget("acme", "100", scope={"tenant": "acme"}, channels=[SLACK])
    world.event("2026-03-02T08:00:00", "60", tenant="acme")
    world.evaluate("2026-03-02T09:00:00")  # 60 %: the 50 % alert
    raise_to = BudgetChange(amount_usd=Decimal("200"))
    change_budget(world.wh, DATASET, budget.budget_id, raise_to, now=at("2026-03-02T09:30:00"))
    world.evaluate("2026-03-02T10:00:00")  # 30 % of the new amount: nothing new, nothing resent
    assert len(world.ledger()) == 1
    lower_to = BudgetChange(amount_usd=Decimal("70"))
    change_budget(world.wh, DATASET, budget.budget_id, lower_to, now=at("2026-03-02T10:30:00"))
    world.evaluate("2026-03-02T11:00:00")  # 85.71 % of 70: 75 % is new, 50 % was sent
    rows = world.ledger()
    assert sorted(r["threshold_percent"] for r in rows) == [Decimal(50), Decimal(75)]
    newest = max(rows, key=lambda r: r["created_at"])
    assert (newest["amount_usd"], newest["budget_version"]) == (Decimal("70"), 3)
    assert len(world.deliveries()) == 2


def test_a_cooldown_repeats_a_crossed_threshold_at_most_once_per_cooldown(world):
    budget = world.budget(
        "acme", "100", scope={"tenant": "acme"}, thresholds=[{"percent": 100}], cooldown_minutes=60, channels=[SLACK]
    )
    world.event("2026-03-02T08:00:00", "150", tenant="acme")
    start = at("2026-03-02T09:00:00")
    for minutes in range(0, 181, 5):  # three hours of evaluations every 5 minutes
        world.evaluate(start + dt.timedelta(minutes=minutes))
    assert keys(world) == [f"budget|{budget.budget_id}|2026-03-01|100|actual|{n}" for n in range(4)]
    assert len(world.deliveries()) == 4


def test_without_a_cooldown_a_threshold_that_stays_crossed_is_not_repeated(world):
    world.budget("acme", "100", scope={"tenant": "acme"}, thresholds=[{"percent": 100}], channels=[SLACK])
    world.event("2026-03-02T08:00:00", "150", tenant="acme")
    for hours in range(6):
        world.evaluate(at("2026-03-02T09:00:00") + dt.timedelta(hours=hours))
    assert len(world.ledger()) == 1


def test_forecast_and_actual_are_separate_keys(world):
    budget = world.budget(
        "march", "300", thresholds=[{"percent": 100}, {"percent": 100, "basis": "forecast"}], channels=[SLACK]
    )
    day = dt.date(2026, 2, 15)
    while day < dt.date(2026, 3, 15):
        world.event(f"{day}T12:00:00", "10")
        day += dt.timedelta(days=1)
    world.evaluate("2026-03-15T00:00:00")  # forecast 310 >= 300, actual 140
    world.event("2026-03-15T06:00:00", "200")
    world.evaluate("2026-03-15T07:00:00")  # actual 340
    rows = world.ledger()
    assert [(r["basis"], r["kind"]) for r in rows] == [
        ("actual", "budget_threshold_actual"),
        ("forecast", "budget_threshold_forecast"),
    ]
    forecast_alert = Alert.model_validate(alert_json(rows[1]))
    assert forecast_alert.budget.forecast.expected == Decimal("310")
    assert forecast_alert.alert_id != rows[0]["alert_id"]
    assert budget.budget_id in forecast_alert.where_to_look.hint


def test_operational_alerts_go_through_the_same_ledger_once_per_occasion(world):
    def raise_stale(occasion: str) -> Alert:
        return raise_operational_alert(
            world.wh,
            DATASET,
            org_slug="demo",
            kind=AlertKind.SOURCE_STALE,
            subject="payg/openai",
            occasion=occasion,
            summary="openai usage has not been ingested since 2026-03-01 02:00 UTC",
            source="payg/openai",
            last_success_at=at("2026-03-01T02:00:00"),
            targets=[SlackTarget(secret_id="alerts-slack")],
            now=at("2026-03-02T09:00:00"),
        )

    first = raise_stale("2026-03-01T02:00:00+00:00")
    again = raise_stale("2026-03-01T02:00:00+00:00")
    later = raise_stale("2026-03-04T02:00:00+00:00")  # a new episode
    assert first.alert_id == again.alert_id != later.alert_id
    assert [r["kind"] for r in world.ledger()] == ["source_stale", "source_stale"]
    assert len(world.deliveries()) == 2


def test_unpriced_usage_raises_one_operational_alert_per_model_and_month(world):
    world.event("2026-03-02T08:00:00", None, model="mystery-1")
    world.billed("2026-03-01", None, model="mystery-2")
    world.evaluate("2026-03-02T09:00:00", ops_targets=[])
    world.evaluate("2026-03-02T09:05:00", ops_targets=[])
    rows = [r for r in world.ledger() if r["kind"] == "unpriced_usage"]
    assert [r["subject"] for r in rows] == ["openai/mystery-1", "openai/mystery-2"]
    assert [r["ledger_key"].rsplit("|", 1)[1] for r in rows] == ["2026-03", "2026-03"]
    summary = Alert.model_validate(alert_json(rows[0])).operational.summary
    assert "mystery-1" in summary and "1 events record(s)" in summary
