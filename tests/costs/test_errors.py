"""Bad parameters: 400 with a message naming the parameter, and nothing queried (the warehouse is never
opened); unknown routes and methods; organizations not onboarded or not served."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest

from genai_costs.costs.api import CostsApi

from .conftest import TODAY

TOO_FAR = (TODAY - dt.timedelta(days=400)).isoformat()

BAD = [
    ("/acme/costs", {"foo": "1"}, "foo: unknown parameter"),
    ("/acme/costs", {"start_date": "2024-13-01", "end_date": "2024-12-31"}, "start_date: Input should be a valid date"),
    ("/acme/costs", {"start_date": "2024-02-02", "end_date": "2024-02-01"}, "start_date 2024-02-02 is after end_date"),
    ("/acme/costs", {"start_date": TOO_FAR, "end_date": TODAY.isoformat()}, "the period is 401 days; at most 366"),
    ("/acme/costs", {"period_days": "367"}, "period_days: Input should be less than or equal to 366"),
    ("/acme/costs", {"period_days": "0"}, "period_days: Input should be greater than or equal to 1"),
    ("/acme/costs", {"period_days": "seven"}, "period_days: Input should be a valid integer"),
    ("/acme/costs", {"period_days": "7", "start_date": "2024-01-01", "end_date": "2024-01-02"}, "not both"),
    ("/acme/costs", {"start_date": "2024-01-01"}, "start_date and end_date go together"),
    ("/acme/costs", {"group_by": "color"}, "group_by: Input should be 'tenant_id'"),
    ("/acme/costs", {"provider": "Open AI"}, "provider: String should match pattern"),
    ("/acme/costs", {"tenant_id": "a\x01b"}, "tenant_id: String should match pattern"),
    ("/acme/costs", {"tenant_id": ["t1", "t2"]}, "tenant_id: give it once"),
    ("/acme/costs/estimate", {"complexity": "medium"}, "task: Field required"),
    ("/acme/costs/estimate", {"task": "hints", "complexity": "huge"}, "complexity: Input should be 'trivial'"),
    ("/acme/costs/estimate", {"task": "hints", "period_days": "91"}, "period_days: Input should be less than"),
    ("/acme/costs/reconciliation", {"period_days": "400"}, "period_days: Input should be less than"),
    ("/acme/costs/recommendations", {"days": "3"}, "days: unknown parameter"),
]


@pytest.mark.parametrize(("path", "params", "message"), BAD)
def test_bad_parameters_answer_400_naming_the_problem(client, path, params, message):
    response = client.get(path, query_string=params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["success"] is False and message in body["error"], body


@pytest.mark.parametrize(("path", "params", "message"), BAD)
def test_bad_parameters_run_nothing(path, params, message):
    opened = []

    @contextmanager
    def warehouse():
        opened.append(True)
        raise AssertionError("the warehouse must not be opened for a bad request")
        yield

    query = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    answer = CostsApi(warehouse=warehouse).handle("GET", path, query)
    assert answer.status == 400 and message in answer.body["error"] and opened == []


def test_routes_methods_and_organizations(client):
    assert client.get("/acme/nothing").status_code == 404
    response = client.post("/acme/costs")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    assert client.get("/acme/costs/billing-imports").status_code == 405
    response = client.get("/zed/costs")
    assert response.status_code == 404 and "zed is not onboarded" in response.get_json()["error"]
    response = client.get("/costs")  # no organization pinned, none named
    assert response.status_code == 400 and "/{org}/costs" in response.get_json()["error"]
    assert client.get("/Bad-Org!/costs").status_code == 400
