"""POST /costs/billing-imports: the CLI's import over HTTP (genai_costs.reconciliation.billing_import): a
good file is imported, the same file again adds nothing, a file with bad lines is refused whole with each
line named, and an upload over the size limit is refused before it is read."""

from __future__ import annotations

import pytest

from genai_costs.costs import api

from .conftest import db

OPENAI_DASHBOARD = (
    "start_time,end_time,amount_value,amount_currency,line_item,project_id,organization_id,project_name,"
    "organization_name\n"
    '1764633600,1764720000,1.2345,usd,"gpt-4o-2024-08-06, input",proj_a,org_1,Tutor,Acme\n'
    '1764633600,1764720000,0.5,usd,"gpt-4o-2024-08-06, output",proj_a,org_1,Tutor,Acme\n'
    '1764720000,1764806400,2,usd,"gpt-4o-mini-2024-07-18, input",proj_b,org_1,Grader,Acme\n'
)
BAD_LINES = (
    "timestamp,model,cost_usd\n"
    "2025-12-01T10:00:00Z,gpt-4o,0.10\n"
    "yesterday,gpt-4o,0.20\n"
    "2025-12-01T11:00:00Z,gpt-4o,abc\n"
)
PATH = "/acme/costs/billing-imports"


def stored() -> list[dict]:
    return db(
        "SELECT line_number, model, amount, project_id FROM genai_billing_imports_raw "
        "WHERE usage_date >= '2000-01-01' ORDER BY line_number"
    )


def upload(client, content: str, **params):
    params = {"provider": "openai", "file_name": "openai-costs.csv", **params}
    response = client.post(PATH, query_string=params, data=content.encode(), content_type="text/csv")
    return response.status_code, response.get_json()


def test_a_good_file_is_imported_and_again_adds_nothing(client):
    status, body = upload(client, OPENAI_DASHBOARD)
    assert status == 200 and body["success"] is True
    data = body["data"]
    assert (data["rows_in_file"], data["rows_added"], data["provider"]) == (3, 3, "openai")
    assert data["columns"]["amount"] == "amount_value" and len(data["import_id"]) == 64
    rows = stored()
    assert [(r["line_number"], r["model"], str(r["amount"]), r["project_id"]) for r in rows] == [
        (2, "gpt-4o-2024-08-06", "1.234500000", "proj_a"),
        (3, "gpt-4o-2024-08-06", "0.500000000", "proj_a"),
        (4, "gpt-4o-mini-2024-07-18", "2.000000000", "proj_b"),
    ]
    status, body = upload(client, OPENAI_DASHBOARD)
    assert status == 200 and (body["data"]["rows_in_file"], body["data"]["rows_added"]) == (3, 0)
    assert stored() == rows


def test_bad_lines_are_named_and_nothing_is_imported(client):
    status, body = upload(client, BAD_LINES)
    assert status == 400 and body["success"] is False
    assert body["errors"] == [
        {"line": 3, "message": "not a timestamp: 'yesterday'"},
        {"line": 4, "message": "cost_usd is not a number: 'abc'"},
    ]
    assert "2 bad line(s), nothing imported" in body["error"]
    assert stored() == []  # line 2 was good, and is not imported either


@pytest.mark.parametrize(
    ("content", "params", "message"),
    [
        ("", {}, "the request body is empty"),
        (OPENAI_DASHBOARD, {"provider": "acme_ai"}, "provider: must be one of"),
        (OPENAI_DASHBOARD, {"file_name": "../etc/passwd"}, "file_name: String should match pattern"),
        (OPENAI_DASHBOARD, {"sheet": "1"}, "sheet: unknown parameter"),
        ("day,price\n2025-01-01,1\n", {}, "no column for start_time, amount"),
    ],
)
def test_unusable_uploads_answer_400_and_store_nothing(client, content, params, message):
    status, body = upload(client, content, **params)
    assert status == 400 and message in body["error"], body
    assert stored() == []


def test_an_upload_over_the_limit_is_refused(client, monkeypatch):
    monkeypatch.setattr(api, "MAX_IMPORT_BYTES", len(OPENAI_DASHBOARD) - 1)
    status, body = upload(client, OPENAI_DASHBOARD)
    assert status == 413 and "bytes allowed" in body["error"]
    assert stored() == []
