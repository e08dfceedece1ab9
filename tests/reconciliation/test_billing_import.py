"""Billing export import: header variants, the OpenAI dashboard export, idempotent re-import, bad lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from genai_costs.reconciliation.billing_import import BillingImportError, import_export, match_headers

OPENAI_DASHBOARD = (
    "start_time,end_time,amount_value,amount_currency,line_item,project_id,organization_id,project_name,"
    "organization_name\n"
    '1764633600,1764720000,1.2345,usd,"gpt-4o-2024-08-06, input",proj_a,org_1,Tutor,Acme\n'
    '1764633600,1764720000,0.5,usd,"gpt-4o-2024-08-06, output",proj_a,org_1,Tutor,Acme\n'
    '1764720000,1764806400,2,usd,"gpt-4o-mini-2024-07-18, input",proj_b,org_1,Grader,Acme\n'
)


@pytest.fixture
def wh(acme_warehouse):
    return acme_warehouse


def stored(wh) -> list[dict]:
    return wh.query(
        "acme_prod",
        "SELECT * FROM genai_billing_imports_raw WHERE usage_date >= '2000-01-01' ORDER BY line_number",
    )


def test_the_openai_dashboard_export_imports_as_is_and_twice_adds_nothing(wh) -> None:
    first = import_export(wh, "acme_prod", OPENAI_DASHBOARD.encode(), org_slug="acme", provider="openai", file_name="x")
    assert (first.rows_in_file, first.rows_added) == (3, 3)
    rows = stored(wh)
    assert [(r["line_number"], r["model"], r["amount"], r["currency"], r["project_id"]) for r in rows] == [
        (2, "gpt-4o-2024-08-06", Decimal("1.2345"), "USD", "proj_a"),
        (3, "gpt-4o-2024-08-06", Decimal("0.5"), "USD", "proj_a"),
        (4, "gpt-4o-mini-2024-07-18", Decimal("2"), "USD", "proj_b"),
    ]
    assert rows[0]["start_time"] == dt.datetime(2025, 12, 2, tzinfo=dt.UTC)
    assert rows[0]["usage_date"] == dt.date(2025, 12, 2) and rows[0]["request_id"] is None
    again = import_export(wh, "acme_prod", OPENAI_DASHBOARD.encode(), org_slug="acme", provider="openai", file_name="x")
    assert (again.rows_in_file, again.rows_added) == (3, 0)
    assert len(stored(wh)) == 3


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ("Request ID,Timestamp,Model,Prompt Tokens,Completion Tokens,Cost (USD)", None),
        ("openai_request_id,created_at,model_used,input_tokens,output_tokens,cost_usd", None),
        ("request-id,TIME,model name,n_context_tokens_total,n_generated_tokens_total,amount", None),
    ],
)
def test_header_variants_name_the_same_fields(headers: str, expected: None) -> None:
    columns = match_headers(headers.split(","))
    assert set(columns) == {"request_id", "start_time", "model", "input_tokens", "output_tokens", "amount"}


def test_a_per_request_export_keeps_request_ids_and_tokens(wh) -> None:
    csv = (
        "Request ID,Timestamp,Model,Prompt Tokens,Completion Tokens,Cost USD\n"
        "chatcmpl-abc123,2026-11-20T10:30:45Z,gpt-4o-mini,1000,200,0.00122\n"
        'chatcmpl-def456,2026-11-20 10:31:00,gpt-4o-mini,"2,000",0,$0.0003\n'
    )
    result = import_export(wh, "acme_prod", csv.encode(), org_slug="acme", provider="openai", file_name="req.csv")
    assert result.rows_added == 2
    r = stored(wh)
    assert [(x["request_id"], x["input_tokens"], x["output_tokens"], x["amount"]) for x in r] == [
        ("chatcmpl-abc123", 1000, 200, Decimal("0.00122")),
        ("chatcmpl-def456", 2000, 0, Decimal("0.0003")),
    ]


def test_bad_lines_are_each_reported_and_nothing_is_imported(wh) -> None:
    csv = (
        "timestamp,model,cost\n"
        "2026-11-20T10:00:00Z,gpt-4o,0.10\n"
        "yesterday,gpt-4o,0.10\n"
        "2026-11-20T10:02:00Z,gpt-4o,ten cents\n"
        "2026-11-20T10:03:00Z,gpt-4o,0.10,extra\n"
        "2026-11-20T10:04:00Z,gpt-4o,\n"
    )
    with pytest.raises(BillingImportError) as caught:
        import_export(wh, "acme_prod", csv.encode(), org_slug="acme", provider="openai", file_name="bad.csv")
    assert [e.line for e in caught.value.errors] == [3, 4, 5, 6]
    assert "line 4: cost is not a number: 'ten cents'" in str(caught.value)
    assert stored(wh) == []


def test_a_file_without_a_cost_column_is_refused(wh) -> None:
    with pytest.raises(BillingImportError, match="no column for amount"):
        import_export(
            wh,
            "acme_prod",
            b"timestamp,model\n2026-11-20,gpt-4o\n",
            org_slug="acme",
            provider="openai",
            file_name="x.csv",
        )
