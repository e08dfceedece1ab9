"""The private budgets API: create, read, change with optimistic concurrency, pause, resume, delete,
and the fast status for gateways; bad input answered with every problem and nothing written."""

from __future__ import annotations

import json
from decimal import Decimal

import flask
import pytest

from genai_costs.budgets.api import handle
from genai_costs.settings import get_settings

from .conftest import World, at

BODY = {
    "name": "Tenant acme",
    "amount_usd": "1000.50",
    "period": {"kind": "monthly", "time_zone": "Europe/Berlin"},
    "scope": {"tenant": "acme"},
    "thresholds": [{"percent": 80}, {"percent": 100, "basis": "forecast"}],
    "channels": [{"kind": "slack", "secret_id": "alerts-slack"}],
    "cooldown_minutes": 1440,
}
NOW = at("2026-03-02T09:00:00")


def call(world: World, method: str, path: str, body=None, **kwargs):
    raw = json.dumps(body) if isinstance(body, dict) else body
    return handle(method, path, warehouse=world.wh, body=raw, now=lambda: NOW, **kwargs)


def stored_versions(world: World) -> int:
    return world.rows("SELECT COUNT(*) AS n FROM genai_budgets")[0]["n"]


def test_create_read_list_and_change(world):
    created, status = call(world, "POST", "/demo/budgets", BODY)
    assert status == 201
    assert created["amount_usd"] == "1000.50" and created["version"] == 1
    budget_id = created["budget_id"]
    assert budget_id.startswith("bud_")
    assert call(world, "GET", f"/demo/budgets/{budget_id}")[0]["scope"]["tenant"] == "acme"
    listed, _ = call(world, "GET", "/demo/budgets")
    assert [b["budget_id"] for b in listed["budgets"]] == [budget_id]
    changed, status = call(
        world, "PATCH", f"/demo/budgets/{budget_id}", {"amount_usd": 2000}, headers={"If-Match": "1"}
    )
    assert status == 200 and (changed["version"], changed["amount_usd"], changed["name"]) == (2, "2000", "Tenant acme")


def test_money_in_json_numbers_is_read_as_an_exact_decimal(world):
    created, _ = call(world, "POST", "/demo/budgets", json.dumps(BODY | {"amount_usd": None}).replace("null", "0.1"))
    assert created["amount_usd"] == "0.1"
    assert world.rows("SELECT amount_usd FROM genai_budgets")[0]["amount_usd"] == Decimal("0.1")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"name": "x", "amount_usd": "10"', "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({**BODY, "amount_usd": "-1"}, "amount_usd: Input should be greater than 0"),
        ({**BODY, "period": {"kind": "monthly", "time_zone": "Europe/Berlinn"}}, "unknown IANA time zone"),
        ({**BODY, "thresholds": [{"percent": 50, "basis": "actual"}, {"percent": 50}]}, "may appear once"),
        ({**BODY, "channels": [{"kind": "fax", "secret_id": "x"}]}, "channels.0"),
        ({**BODY, "amount_usd": "1", "name": ""}, "name"),
        ('{"name": "x", "amount_usd": NaN, "period": {"kind": "daily"}}', "NaN is not a number"),
    ],
)
def test_bad_input_gets_400_with_the_reason_and_writes_nothing(world, body, message):
    answer, status = call(world, "POST", "/demo/budgets", body)
    assert status == 400 and message in answer["error"]
    assert stored_versions(world) == 0


def test_a_change_based_on_an_old_read_is_refused(world):
    created, _ = call(world, "POST", "/demo/budgets", BODY)
    path = f"/demo/budgets/{created['budget_id']}"
    assert call(world, "PATCH", path, {"amount_usd": "5"}, headers={"If-Match": "1"})[1] == 200
    answer, status = call(world, "PATCH", path, {"amount_usd": "6"}, headers={"If-Match": "1"})
    assert status == 409 and "version 2, not 1" in answer["error"]
    assert call(world, "PATCH", path, {"amount": "6"})[1] == 400
    assert stored_versions(world) == 2


def test_a_budget_id_can_be_chosen_once(world):
    assert call(world, "POST", "/demo/budgets", BODY | {"budget_id": "bud_tenant_acme"})[1] == 201
    answer, status = call(world, "POST", "/demo/budgets", BODY | {"budget_id": "bud_tenant_acme"})
    assert status == 409 and "already exists" in answer["error"]


def test_unknown_budgets_routes_and_organizations(world):
    assert call(world, "GET", "/demo/budgets/bud_nope")[1] == 404
    assert call(world, "GET", "/demo/budgets/bud_nope/status")[1] == 404
    assert call(world, "GET", "/demo/nothing")[1] == 404
    assert call(world, "PUT", "/demo/budgets")[1] == 405
    assert call(world, "GET", "/other_org/budgets")[1] == 404
    assert call(world, "GET", "/Bad-Org/budgets")[1] == 400


def test_gateway_status_reads_the_latest_evaluation(world):
    created, _ = call(world, "POST", "/demo/budgets", BODY | {"period": {"kind": "monthly"}, "amount_usd": "100"})
    path = f"/demo/budgets/{created['budget_id']}/status"
    assert call(world, "GET", path)[0]["status"] == "unknown"  # not evaluated yet
    world.event("2026-03-02T08:00:00", "10", tenant="acme")
    world.evaluate("2026-03-02T08:55:00")
    within, _ = call(world, "GET", path)
    assert (within["status"], within["spend_usd"], within["stale"]) == ("within", "10.000000000", False)
    world.event("2026-03-02T08:56:00", "85", tenant="acme")
    world.evaluate("2026-03-02T08:58:00")
    assert call(world, "GET", path)[0]["status"] == "warning"  # 95 % >= 80 %
    world.event("2026-03-02T08:59:00", "5", tenant="acme")
    world.evaluate("2026-03-02T08:59:30")
    exceeded, _ = call(world, "GET", path)
    assert (exceeded["status"], exceeded["utilization_percent"]) == ("exceeded", "100.00")
    # Nothing recomputed: new spend shows only after the next evaluation.
    world.event("2026-03-02T08:59:40", "500", tenant="acme")
    assert call(world, "GET", path)[0]["spend_usd"] == "100.000000000"
    stale, _ = handle("GET", path, warehouse=world.wh, now=lambda: at("2026-03-02T09:30:00"))
    assert stale["stale"] is True
    call(world, "POST", f"/demo/budgets/{created['budget_id']}/pause")
    assert call(world, "GET", path)[0]["status"] == "paused"
    call(world, "POST", f"/demo/budgets/{created['budget_id']}/resume")
    assert call(world, "GET", path)[0]["status"] == "exceeded"


def test_delete_keeps_history_and_stops_evaluation(world):
    created, _ = call(world, "POST", "/demo/budgets", BODY)
    deleted, status = call(world, "DELETE", f"/demo/budgets/{created['budget_id']}")
    assert status == 200 and deleted["deleted"] is True and deleted["version"] == 2
    assert call(world, "GET", "/demo/budgets")[0] == {"budgets": []}
    assert stored_versions(world) == 2
    assert world.evaluate("2026-03-02T09:00:00").statuses == []


def test_recent_alerts_with_their_deliveries(world):
    created, _ = call(world, "POST", "/demo/budgets", BODY | {"period": {"kind": "monthly"}, "amount_usd": "10"})
    world.event("2026-03-02T08:00:00", "9", tenant="acme")
    world.evaluate("2026-03-02T08:30:00")
    answer, status = call(world, "GET", "/demo/alerts", query={"hours": "2"})
    assert status == 200
    (alert,) = answer["alerts"]
    assert (alert["budget_id"], alert["threshold_percent"], alert["pending"]) == (created["budget_id"], "80", 1)
    assert alert["budget_name"] == "Tenant acme"
    assert call(world, "GET", "/demo/alerts", query={"hours": "x"})[1] == 400


def test_the_cloud_function_answers_through_flask(world, tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_COSTS_DATA_DIR", str(tmp_path))  # the world's warehouse file
    get_settings.cache_clear()
    from genai_costs_cli.local.entry_points import load_entry_point

    function = load_entry_point("budgets")
    app = flask.Flask(__name__)
    with app.test_request_context("/demo/budgets", method="POST", json=BODY):
        answer, status = function(flask.request)
    assert status == 201 and answer["name"] == "Tenant acme"
    with app.test_request_context("/demo/budgets", method="GET"):
        assert len(function(flask.request)[0]["budgets"]) == 1
