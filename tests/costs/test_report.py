"""GET /costs: the cost-tracking guide's report over the embedded events, every figure computed by hand
from conftest.EVENTS; every filter and every group_by; money as exact decimal strings."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import D1, D2, D3, OLD, TODAY


def get(client, path: str = "/acme/costs", **params):
    response = client.get(path, query_string=params)
    return response.status_code, response.get_json()


def window(**params):
    """The three event days D1..D3 (both included)."""
    return {"start_date": D1.isoformat(), "end_date": D3.isoformat(), **params}


def test_report_has_the_guides_shape_with_exact_money(client):
    status, body = get(client)
    assert status == 200 and body["success"] is True
    data = body["data"]
    # Default period: the last 30 days, today included; OLD (40 days ago) is outside.
    assert (data["start_date"], data["end_date"]) == ((TODAY - dt.timedelta(days=29)).isoformat(), TODAY.isoformat())
    assert (data["period_days"], data["days_elapsed"]) == (30, 30)
    assert data["total_requests"] == 7
    assert (data["priced_requests"], data["committed_requests"], data["unpriced_requests"]) == (5, 1, 1)
    assert data["unpriced_tokens"] == 330 and data["cost_complete"] is False
    # 0.0045 + 0.006 + 0.01 + 0.000045 + 0 (committed) + 0.000123456; the unpriced call adds nothing.
    assert data["total_cost_usd"] == "0.020668456"
    # 0.020668456 / 30 = 0.00068894853.. -> 9 decimals, half away from zero
    assert data["average_daily_cost"] == "0.000688949"
    # total / 30 elapsed days x 30
    assert data["projected_monthly_cost"] == "0.020668456"
    assert len(data["daily_breakdown"]) == 30
    assert data["daily_breakdown"][D1.isoformat()] == "0.010500000"
    assert data["daily_breakdown"][D2.isoformat()] == "0.010045000"
    assert data["daily_breakdown"][D3.isoformat()] == "0.000123456"
    assert data["daily_breakdown"][TODAY.isoformat()] == "0.000000000"  # no calls: zero, really
    assert [d["date"] for d in data["days"]] == [D1.isoformat(), D2.isoformat(), D3.isoformat()]
    assert data["days"][1]["unpriced_requests"] == 1 and data["days"][1]["requests"] == 3
    assert data["groups"] is None
    money = [data["total_cost_usd"], data["average_daily_cost"], data["projected_monthly_cost"]]
    assert all(isinstance(v, str) for v in money + list(data["daily_breakdown"].values()))


def test_date_range_and_projection(client):
    status, body = get(client, **window())
    data = body["data"]
    assert status == 200 and (data["period_days"], data["days_elapsed"]) == (3, 3)
    assert data["total_cost_usd"] == "0.020668456"
    assert data["average_daily_cost"] == "0.006889485"  # 0.020668456 / 3 = 0.0068894853..
    assert data["projected_monthly_cost"] == "0.206684560"  # 0.020668456 / 3 x 30
    assert list(data["daily_breakdown"]) == [D1.isoformat(), D2.isoformat(), D3.isoformat()]


def test_a_period_reaching_into_the_future_averages_over_elapsed_days(client):
    _, body = get(client, start_date=D3.isoformat(), end_date=(TODAY + dt.timedelta(days=5)).isoformat())
    data = body["data"]
    assert (data["period_days"], data["days_elapsed"]) == (7, 2)  # D3 and today
    assert data["average_daily_cost"] == "0.000061728"  # 0.000123456 / 2
    assert data["projected_monthly_cost"] == "0.001851840"


def test_period_days(client):
    _, body = get(client, period_days=2)  # yesterday (D3) and today
    assert (body["data"]["total_requests"], body["data"]["total_cost_usd"]) == (2, "0.000123456")
    _, body = get(client, period_days=41)
    assert (body["data"]["total_requests"], body["data"]["total_cost_usd"]) == (8, "1.020668456")


@pytest.mark.parametrize(
    ("filters", "requests", "cost", "unpriced"),
    [
        ({"tenant_id": "t1"}, 3, "0.020500000", 0),
        ({"user_id": "u3"}, 2, "0.000045000", 1),
        ({"service": "grader"}, 2, "0.010000000", 0),
        ({"workflow_id": "wf-a"}, 2, "0.010500000", 0),
        ({"provider": "anthropic"}, 1, "0.010000000", 0),
        ({"model": "gpt-4o"}, 4, "0.010623456", 0),  # openai and azure_openai
        ({"tenant_id": "t2", "service": "tutor"}, 2, "0.000045000", 1),
        ({"tenant_id": "nobody"}, 0, "0.000000000", 0),
    ],
)
def test_each_filter(client, filters, requests, cost, unpriced):
    status, body = get(client, **window(**filters))
    data = body["data"]
    assert status == 200 and data["filters"] == filters
    assert (data["total_requests"], data["total_cost_usd"], data["unpriced_requests"]) == (requests, cost, unpriced)
    assert data["cost_complete"] is (unpriced == 0)


def test_only_unpriced_calls_have_no_cost_never_zero(client):
    _, body = get(client, **window(model="mystery-model"))
    data = body["data"]
    assert (data["total_requests"], data["unpriced_requests"], data["unpriced_tokens"]) == (1, 1, 330)
    assert data["total_cost_usd"] is None and data["cost_complete"] is False
    assert data["average_daily_cost"] is None and data["projected_monthly_cost"] is None
    assert data["daily_breakdown"] == {
        D1.isoformat(): "0.000000000",
        D2.isoformat(): None,
        D3.isoformat(): "0.000000000",
    }


def test_workflow_over_a_range_that_reaches_its_old_call(client):
    _, body = get(client, workflow_id="wf-a", start_date=OLD.isoformat(), end_date=TODAY.isoformat())
    assert (body["data"]["total_requests"], body["data"]["total_cost_usd"]) == (3, "1.010500000")


def groups(client, group_by: str, **params):
    status, body = get(client, **window(group_by=group_by, **params))
    assert status == 200, body
    assert body["data"]["group_by"] == group_by
    return [(g["value"], g["requests"], g["cost_usd"], g["unpriced_requests"]) for g in body["data"]["groups"]]


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("tenant_id", [("t1", 3, "0.020500000", 0), (None, 1, "0.000123456", 0), ("t2", 3, "0.000045000", 1)]),
        (
            "user_id",
            [
                ("u1", 2, "0.014500000", 0),
                ("u2", 1, "0.006000000", 0),
                (None, 1, "0.000123456", 0),
                ("u3", 2, "0.000045000", 1),
                ("u4", 1, "0.000000000", 0),
            ],
        ),
        ("service", [("tutor", 5, "0.010668456", 1), ("grader", 2, "0.010000000", 0)]),
        (
            "workflow_id",
            [
                ("wf-a", 2, "0.010500000", 0),
                ("wf-b", 2, "0.010000000", 0),
                (None, 1, "0.000123456", 0),
                ("wf-c", 2, "0.000045000", 1),
            ],
        ),
        (
            "provider",
            [
                ("openai", 5, "0.010668456", 1),
                ("anthropic", 1, "0.010000000", 0),
                ("azure_openai", 1, "0.000000000", 0),
            ],
        ),
        (
            "model",
            [
                ("gpt-4o", 4, "0.010623456", 0),
                ("claude-x", 1, "0.010000000", 0),
                ("gpt-4o-mini", 1, "0.000045000", 0),
                ("mystery-model", 1, None, 1),  # only unpriced calls: no cost, never $0
            ],
        ),
        (
            "day",
            [
                (D1.isoformat(), 2, "0.010500000", 0),
                (D2.isoformat(), 3, "0.010045000", 1),
                (D3.isoformat(), 2, "0.000123456", 0),
            ],
        ),
    ],
)
def test_each_group_by(client, group_by, expected):
    assert groups(client, group_by) == expected


def test_group_by_with_a_filter_and_totals_unchanged(client):
    assert groups(client, "user_id", tenant_id="t1") == [("u1", 2, "0.014500000", 0), ("u2", 1, "0.006000000", 0)]
    _, body = get(client, **window(group_by="service"))
    total = sum(float(g["requests"]) for g in body["data"]["groups"])
    assert total == body["data"]["total_requests"]


def test_the_deployment_org_serves_the_plain_route(acme, monkeypatch):
    from functions_framework import create_app

    from genai_costs.settings import get_settings

    from .conftest import MAIN

    monkeypatch.setenv("GENAI_COSTS_ORG_SLUG", "acme")
    get_settings.cache_clear()
    client = create_app("costs", str(MAIN), "http").test_client()
    status, body = get(client, "/costs", **window())
    assert status == 200 and body["data"]["org_slug"] == "acme" and body["data"]["total_requests"] == 7
    status, body = get(client, "/other/costs")
    assert status == 403 and "serves organization acme" in body["error"]
