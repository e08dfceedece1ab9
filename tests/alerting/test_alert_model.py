"""The alert snapshot: exact money, stable ids, and the inconsistencies it refuses."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from genai_costs.model.alert import Alert, AlertKind, Forecast, Severity, stable_alert_id

from .helpers import EVALUATED, budget_alert, operational_alert


def test_utilization_is_exact_decimal_and_json_carries_strings() -> None:
    alert = budget_alert(spend="9240.123456789", amount="10000")
    assert alert.budget is not None
    assert alert.budget.utilization_percent == Decimal("92.40")
    assert alert.budget.forecast_utilization_percent == Decimal("118.00")  # 118.005 rounded down
    data = json.loads(alert.model_dump_json())
    assert data["budget"]["spend_to_date"] == "9240.123456789"
    assert data["budget"]["utilization_percent"] == "92.40"
    assert data["budget"]["top"]["models"][1]["amount"] == "3240.123456789"
    assert not any(isinstance(v, float) for v in _leaves(data))


def test_utilization_never_rounds_up_to_a_threshold() -> None:
    alert = budget_alert(spend="9999.999", amount="10000")
    assert alert.budget is not None and alert.budget.utilization_percent == Decimal("99.99")


def test_snapshot_round_trips_unchanged() -> None:
    alert = budget_alert(kind=AlertKind.BUDGET_FORECAST, threshold="100")
    assert Alert.model_validate_json(alert.model_dump_json()) == alert
    assert alert.severity is Severity.CRITICAL and alert.event_type == "genai_costs.alert.budget_threshold_forecast"


def test_stable_alert_id_depends_on_every_key_part() -> None:
    a = stable_alert_id("demo", AlertKind.BUDGET_ACTUAL, "bud_1", "2025-10-01", "90")
    assert a == stable_alert_id("demo", AlertKind.BUDGET_ACTUAL, "bud_1", "2025-10-01", "90")
    others = {
        stable_alert_id("demo", AlertKind.BUDGET_FORECAST, "bud_1", "2025-10-01", "90"),
        stable_alert_id("demo", AlertKind.BUDGET_ACTUAL, "bud_1", "2025-11-01", "90"),
        stable_alert_id("demo", AlertKind.BUDGET_ACTUAL, "bud_1", "2025-10-01", "100"),
        stable_alert_id("other", AlertKind.BUDGET_ACTUAL, "bud_1", "2025-10-01", "90"),
    }
    assert a not in others and len(others) == 4


def test_timestamps_are_normalized_to_utc() -> None:
    berlin = dt.datetime(2025, 10, 29, 15, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    alert = budget_alert(evaluated_at=berlin)
    assert alert.evaluated_at == EVALUATED and alert.evaluated_at.tzinfo == dt.UTC


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(evaluated_at="2025-10-29T14:05:00"), "time zone"),
        (lambda d: d["budget"]["period"].update(time_zone="Mars/Olympus"), "IANA"),
        (lambda d: d["budget"]["period"].update(end="2025-10-01"), "after its start"),
        (lambda d: d["budget"].update(estimated_days=["2025-11-01"]), "outside the period"),
        (lambda d: d["budget"]["forecast"].update(low="12000"), "low <= expected"),
        (lambda d: d["budget"]["budget"].update(amount="0"), "greater than 0"),
        (lambda d: d["budget"].update(spend_to_date="1.0000000001"), "decimal places"),
        (lambda d: d.update(kind="run_failed"), "operational facts"),
        (lambda d: d.update(org_slug="Demo Org"), "org_slug"),
    ],
)
def test_inconsistent_alerts_are_refused(change, message: str) -> None:
    data = json.loads(budget_alert().model_dump_json())
    change(data)
    with pytest.raises(ValidationError, match=message):
        Alert.model_validate(data)


def test_forecast_basis_needs_the_forecast() -> None:
    data = json.loads(budget_alert(kind=AlertKind.BUDGET_FORECAST).model_dump_json())
    data["budget"]["forecast"] = None
    with pytest.raises(ValidationError, match="needs the forecast"):
        Alert.model_validate(data)


def test_operational_alert_carries_no_budget() -> None:
    alert = operational_alert()
    assert alert.budget is None and alert.severity is Severity.CRITICAL
    data = json.loads(alert.model_dump_json())
    data["budget"] = json.loads(budget_alert().model_dump_json())["budget"]
    with pytest.raises(ValidationError, match="no budget facts"):
        Alert.model_validate(data)


def test_forecast_band_bounds() -> None:
    Forecast(expected=Decimal(5), low=Decimal(5), high=Decimal(5))
    with pytest.raises(ValidationError):
        Forecast(expected=Decimal(5), low=Decimal(1), high=Decimal(4))


def _leaves(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj
