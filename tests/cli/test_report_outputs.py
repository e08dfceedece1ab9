"""The report's numbers in every format: the JSON and CSV exports hold every table with exact
values, the filters narrow what they say, the terminal fits 80 columns without cutting an amount,
and the report ranks models the way the console's view does."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import duckdb
import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from genai_costs.model.window import Window
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs_cli.app import app
from genai_costs_cli.output import money
from genai_costs_cli.reporting import EXPORTS, ReportFilter, build_report, print_report

from .conftest import DAYS, TODAY

# One worker runs these files: the demo organization they read (a session fixture) is built once.
pytestmark = pytest.mark.xdist_group("cli_demo")


def report_json(*args: str) -> dict:
    result = CliRunner().invoke(app, ["report", "demo", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_holds_every_table_with_exact_decimals(demo_env):
    doc = report_json()
    assert set(doc["tables"]) == set(EXPORTS)
    assert doc["simulated"] is True
    assert doc["to"] == (TODAY - dt.timedelta(days=1)).isoformat()
    assert doc["from"] == (TODAY - dt.timedelta(days=30)).isoformat()
    by_provider = doc["tables"]["cost_by_provider"]
    assert len(by_provider) == 6
    assert all(isinstance(r["cost_usd"], str) for r in by_provider)  # never a float
    total = sum(Decimal(r["cost_usd"]) for r in by_provider)
    assert total == Decimal(doc["tables"]["spend_summary"][0]["computed_usd"])
    assert total == sum(Decimal(r["cost_usd"]) for r in doc["tables"]["daily_cost"])
    # The demo's applications record usage events: every kept event of the window, once.
    usage = doc["tables"]["usage_by_tenant"]
    assert "usage_by_tenant" not in doc["unavailable"]
    assert list(usage[0]) == ["tenant_id", "user_id", "service", "workflow_id", "requests", "tokens"]
    with duckdb.connect(str(get_settings().duckdb_path), read_only=True) as con:
        (events,) = con.execute(
            "SELECT COUNT(*) FROM demo_prod.genai_usage_events WHERE event_date BETWEEN ? AND ?",
            [doc["from"], doc["to"]],
        ).fetchone()
    assert sum(r["requests"] for r in usage) == events > 0


def test_csv_is_one_table_with_machine_headers(demo_env):
    result = CliRunner().invoke(app, ["report", "demo", "--format", "csv", "--section", "cost_by_project"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [c.key for c in EXPORTS["cost_by_project"]]
    expected = report_json("--section", "cost_by_project")["tables"]["cost_by_project"]
    assert [r["cost_usd"] for r in rows] == [r["cost_usd"] for r in expected]
    assert sum(Decimal(r["cost_usd"]) for r in rows) > 0


def test_provider_and_date_filters(demo_env):
    last = TODAY - dt.timedelta(days=1)
    first = last - dt.timedelta(days=1)
    doc = report_json("--provider", "openai", "--from", first.isoformat(), "--to", last.isoformat())
    assert (doc["from"], doc["to"], doc["provider"]) == (first.isoformat(), last.isoformat(), "openai")
    tables = doc["tables"]
    assert {r["provider"] for r in tables["cost_by_provider"]} == {"openai"}
    assert {r["provider"] for r in tables["top_models"]} == {"openai"}
    assert {r["usage_date"] for r in tables["daily_cost"]} == {first.isoformat(), last.isoformat()}
    everything = report_json("--from", first.isoformat(), "--to", last.isoformat())["tables"]
    openai = [r for r in everything["cost_by_provider"] if r["provider"] == "openai"]
    assert tables["cost_by_provider"] == openai
    assert Decimal(tables["spend_summary"][0]["computed_usd"]) == Decimal(openai[0]["cost_usd"])


def test_the_window_is_the_same_in_every_output(demo_env):
    """The terminal's title, the HTML's and the JSON name the same last day (it used to differ by one)."""
    html = demo_env / "out.html"
    result = CliRunner().invoke(app, ["report", "demo", "--days", "7", "--html", str(html)], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    first, last = TODAY - dt.timedelta(days=7), TODAY - dt.timedelta(days=1)
    assert f"{first} to {last}" in result.stdout
    assert f"{first} to {last} (both included)" in html.read_text()


def test_the_terminal_report_fits_80_columns_and_cuts_no_amount(demo_env):
    settings = get_settings()
    with open_warehouse(settings) as wh:
        report = build_report(wh, "demo", ReportFilter(Window(start=TODAY - dt.timedelta(days=DAYS), end=TODAY)))
    console = Console(width=80, record=True, force_terminal=False)
    print_report(console, report)
    text = console.export_text()
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    amounts = [money(r["cost_usd"]) for r in report.sections["cost_by_provider"]]
    amounts += [money(r["wasted_cost_usd"]) for r in report.sections["commitment_utilization"]]
    for amount in amounts:
        assert re.search(rf"(?<![\d,.]){re.escape(amount)}(?![\d])", text), amount
    assert "Usage by tenant, user, service and workflow" in text and "No usage events recorded" not in text
    # `run` creates the demo budgets and evaluates them: the budgets and their alerts are reported.
    assert "Organization, simulated" in text and "No budgets defined" not in text


def test_top_models_match_the_console_view(demo_env):
    """Both rank priced token spend (commitments excluded) over the same 30 days."""
    doc = report_json("--days", "30")
    with duckdb.connect(str(demo_env / "warehouse.duckdb"), read_only=True) as con:
        view = con.execute(
            "SELECT provider, model, cost_usd FROM demo_prod.genai_top_models_30d ORDER BY cost_rank, provider, model "
            "LIMIT 10"
        ).fetchall()
    report = [(r["provider"], r["model"], Decimal(r["cost_usd"])) for r in doc["tables"]["top_models"]]
    assert report == [(p, m, c) for p, m, c in view]
