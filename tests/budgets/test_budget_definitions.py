"""Budget definitions are validated with clear errors before anything is stored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from genai_costs.budgets.model import BudgetChange, BudgetDefinition

BASE = {"name": "Tenant acme", "amount_usd": "1000", "period": {"kind": "monthly", "time_zone": "Europe/Berlin"}}


def make(**changes):
    return BudgetDefinition.model_validate(BASE | changes)


def problem(**changes) -> str:
    with pytest.raises(ValidationError) as info:
        make(**changes)
    return str(info.value)


def test_defaults_are_the_50_75_90_100_ladder_on_actual_spend_and_no_repeats():
    budget = make()
    assert [(t.percent, t.basis.value) for t in budget.thresholds] == [
        (Decimal(p), "actual") for p in (50, 75, 90, 100)
    ]
    assert budget.cooldown_minutes is None and budget.enabled and budget.scope.parts() == []


def test_any_ladder_on_either_basis():
    budget = make(thresholds=[{"percent": "120"}, {"percent": "80", "basis": "forecast"}, {"percent": 33.5}])
    assert [t.label for t in budget.thresholds] == ["33.5% actual", "120% actual", "80% forecast"]


def test_scope_combines_any_dimensions_and_tags():
    scope = {"tenant": "acme", "service": "tutor", "model": "gpt-4o", "tags": {"team": "ml", "env": "prod"}}
    budget = make(scope=scope)
    assert budget.scope.events_only
    assert budget.scope.parts() == [("tenant", "acme"), ("service", "tutor"), ("model", "gpt-4o"),
                                    ("tag env", "prod"), ("tag team", "ml")]  # fmt: skip
    assert not make(scope={"provider": "openai", "project": "proj_1"}).scope.events_only


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_usd": "0"}, "amount_usd"),
        ({"amount_usd": "-5"}, "greater than 0"),
        ({"amount_usd": "10.0000000001"}, "decimal places"),
        ({"amount_usd": "NaN"}, "amount_usd"),
        ({"name": "  "}, "name must not be blank"),
        ({"period": {"kind": "monthly", "time_zone": "Mars/Olympus"}}, "unknown IANA time zone"),
        ({"period": {"kind": "fortnightly"}}, "period.kind"),
        ({"period": {"kind": "custom", "start": "2025-02-01"}}, "custom period needs start and end"),
        ({"period": {"kind": "custom", "start": "2025-02-01", "end": "2025-02-01"}}, "end must be after its start"),
        ({"period": {"kind": "monthly", "start": "2025-02-01", "end": "2025-03-01"}}, "for custom periods"),
        ({"period": {"kind": "daily", "week_start": "sunday"}}, "week_start is for weekly periods"),
        ({"thresholds": []}, "at least 1"),
        ({"thresholds": [{"percent": 50}, {"percent": "50.00"}]}, "may appear once"),
        ({"thresholds": [{"percent": 0}]}, "greater than 0"),
        ({"thresholds": [{"percent": 90, "basis": "budgeted"}]}, "thresholds.0.basis"),
        ({"scope": {"provider": "openia"}}, "provider must be one of"),
        ({"scope": {"tenant": "ac\x07me"}}, "control characters"),
        ({"scope": {"tenant": " acme"}}, "spaces"),
        ({"scope": {"tags": {"a": "1", "b": "2", "c": "3", "d": "4"}}}, "at most 3 tags"),
        ({"scope": {"tags": {"bad key": "1"}}}, "tag key"),
        ({"scope": {"team": "ml"}}, "Extra inputs are not permitted"),
        ({"channels": [{"kind": "slack"}]}, "secret_id"),
        ({"channels": [{"kind": "slack", "secret_id": "s"}, {"kind": "slack", "secret_id": "s"}]}, "appears twice"),
        ({"channels": [{"kind": "sms", "secret_id": "t", "to": "555-0100", "from_number": "+15550100"}]}, "to"),
        ({"cooldown_minutes": 1}, "cooldown_minutes"),
        ({"budget_id": "my budget"}, "budget_id"),
    ],
)
def test_bad_definitions_are_refused_with_the_reason(changes, message):
    assert message in problem(**changes)


def test_a_change_keeps_what_it_does_not_name():
    change = BudgetChange.model_validate({"amount_usd": "2000", "cooldown_minutes": None})
    assert change.changes() == {"amount_usd": Decimal("2000"), "cooldown_minutes": None}
    with pytest.raises(ValidationError, match="Extra inputs"):
        BudgetChange.model_validate({"amount": "2000"})
