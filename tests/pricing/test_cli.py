"""``genai-costs prices`` and ``genai-costs plans`` on the embedded default, with the real pinned sources."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs_cli.app import app

runner = CliRunner()


def cli(*args: str, stdin: str | None = None):
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def query(sql: str) -> list[dict]:
    with open_warehouse(get_settings()) as wh:
        return wh.query("acme_prod", sql)


@pytest.fixture
def onboarded(acme_onboarded):
    return acme_onboarded


def test_sync_review_and_diff_from_the_command_line(onboarded, tmp_path):
    before = query("SELECT COUNT(*) AS n FROM llm_model_pricing")[0]["n"]
    code, out = cli("prices", "sync", "acme", "--dry-run")
    assert code == 0, out
    assert "dry run: nothing written" in out and query("SELECT COUNT(*) AS n FROM llm_model_pricing")[0]["n"] == before

    code, out = cli("prices", "sync", "acme", "--json", str(tmp_path / "report.json"))
    assert code == 0, out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["coverage_after"]["model_share_percent"] >= "95" and report["rows_inserted"] > 400
    assert "o3-mini" in out  # a correction the table shows

    # o1-mini's launch price: the proposals every seed catalog raises are settled by the project's own review
    # (sql/seed/price_review.csv), so the sync itself writes today's price, with the reviewer's reason.
    code, out = cli(
        "prices", "review", "list", "acme", "--provider", "openai", "--model", "o1-mini", "--status", "accepted"
    )
    assert code == 0 and out.count("single_source") == 3, out
    rows = query(
        "SELECT * FROM llm_model_pricing WHERE provider = 'openai' AND model_id = 'o1-mini' ORDER BY effective_date"
    )
    assert [str(r["input_price_per_1k"].normalize()) for r in rows] == ["0.003", "0.0011"]

    # Azure o4-mini: batch and web-search rates only LiteLLM lists wait for a person.
    where = "provider = 'azure_openai' AND model_id = 'o4-mini' AND status = 'pending'"
    code, out = cli("prices", "review", "list", "acme", "--provider", "azure_openai", "--model", "o4-mini")
    assert code == 0 and out.count("single_source") == 3, out
    ids = [p["proposal_id"] for p in query(f"SELECT proposal_id FROM llm_price_proposals WHERE {where}")]

    code, out = cli("prices", "diff", "acme", *[a for pid in ids for a in ("--accept", pid)])
    assert code == 0 and "ends" in out and "0.00055" in out, out
    assert query("SELECT COUNT(*) AS n FROM llm_price_proposals WHERE decided_by LIKE 'cli:%'")[0]["n"] == 0

    code, out = cli(
        "prices", "review", "accept", "acme", "--provider", "azure_openai", "--model", "o4-mini", "--reason", "list"
    )
    assert code == 0 and "3 proposal(s) accepted" in out, out
    rows = query(
        "SELECT * FROM llm_model_pricing WHERE provider = 'azure_openai' AND model_id = 'o4-mini' AND region IS NULL"
        " ORDER BY effective_date"
    )
    batch = [r["batch_input_price_per_1k"] and str(r["batch_input_price_per_1k"].normalize()) for r in rows]
    assert batch == [None, "0.00055"] and rows[0]["end_date"] is not None
    actors = {a["actor"] for a in query("SELECT actor FROM llm_pricing_audit WHERE action = 'proposal_accept'")}
    assert actors and all(a.startswith("cli:") for a in actors)

    code, out = cli("prices", "review", "reject", "acme", "--provider", "gemini", "--model", "gemini-4-argon")
    assert code != 0 and "--reason" in out  # a rejection documents the catalog's value: the reason is required


def test_custom_prices_and_plans_from_the_command_line(onboarded, tmp_path):
    row = {"model_id": "gpt-4o", "input_price_per_1k": 0.0019, "output_price_per_1k": "0.0081",
           "effective_date": "2026-01-01", "pricing_type": "negotiated"}  # fmt: skip
    code, out = cli("prices", "add", "acme", "openai", stdin=json.dumps(row))
    assert code == 0 and "created" in out, out
    (custom,) = query("SELECT * FROM llm_model_pricing WHERE is_custom")
    assert str(custom["input_price_per_1k"].normalize()) == "0.0019"

    code, out = cli("prices", "add", "acme", "openai", stdin=json.dumps({**row, "effective_date": "2026-02-01"}))
    assert code == 2 and "overlaps" in out  # nothing written
    assert len(query("SELECT * FROM llm_model_pricing WHERE is_custom")) == 1

    patch = tmp_path / "patch.json"
    patch.write_text('{"input_price_per_1k": "0.0017", "effective_date": "2026-07-01"}')
    code, out = cli("prices", "update", "acme", "openai", custom["pricing_id"], "--file", str(patch))
    assert code == 0 and "versioned" in out, out
    code, out = cli("prices", "list", "acme", "openai", "--custom-only", "--as-of", "2026-08-01")
    assert code == 0 and json.loads(out)[0]["input_price_per_1k"] == "0.0017", out

    plan = {"plan_name": "PAYG", "tier_type": "paid", "unit_price_usd": "0", "effective_date": "2026-01-01"}
    code, out = cli("plans", "add", "acme", "gemini", stdin=json.dumps(plan))
    assert code == 0, out
    code, out = cli("plans", "add", "acme", "gemini", stdin=json.dumps({**plan, "plan_name": "X", "tier_type": "gold"}))
    assert code == 2 and "tier_type" in out
    (sub,) = query("SELECT * FROM llm_subscriptions WHERE is_custom")
    code, out = cli("plans", "disable", "acme", "gemini", sub["subscription_id"], "--reason", "moved to CUD")
    assert code == 0 and "disabled" in out
