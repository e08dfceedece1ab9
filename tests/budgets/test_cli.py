"""`genai-costs budgets ...`: the same validation and answers as the HTTP API, on the configured backend."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from genai_costs_cli.app import app


def _budget_rows(data) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT budget_id, version, amount_usd FROM demo_prod.genai_budgets ORDER BY 1, 2"
        ).fetchall()


def test_create_change_list_and_refuse_bad_input(tmp_path):
    cli = CliRunner()
    assert cli.invoke(app, ["onboard", "demo"]).exit_code == 0
    created = cli.invoke(
        app,
        ["budgets", "create", "demo", "--name", "Tenant acme", "--amount", "500.25", "--period", "weekly",
         "--time-zone", "Asia/Tokyo", "--scope", "tenant=acme", "--threshold", "80", "--threshold", "100:forecast"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    [(budget_id, version, amount)] = _budget_rows(tmp_path / "data")
    assert version == 1 and str(amount) == "500.250000000"
    shown = json.loads(cli.invoke(app, ["budgets", "show", "demo", budget_id]).output)
    assert shown["scope"]["tenant"] == "acme"
    assert (shown["period"]["kind"], shown["period"]["time_zone"]) == ("weekly", "Asia/Tokyo")
    ladder = [(Decimal(t["percent"]), t["basis"]) for t in shown["thresholds"]]
    assert ladder == [(80, "actual"), (100, "forecast")]

    bad = cli.invoke(app, ["budgets", "create", "demo", "--name", "x", "--amount", "5", "--period", "fortnightly"])
    assert bad.exit_code == 2 and "period.kind" in bad.output
    stale = cli.invoke(app, ["budgets", "change", "demo", budget_id, "--amount", "600", "--if-version", "7"])
    assert stale.exit_code != 0
    assert _budget_rows(tmp_path / "data") == [(budget_id, 1, amount)]  # bad input leaves the store untouched

    changed = cli.invoke(app, ["budgets", "change", "demo", budget_id, "--amount", "600", "--if-version", "1"])
    assert changed.exit_code == 0, changed.output
    assert cli.invoke(app, ["budgets", "list", "demo"]).exit_code == 0
    shown = json.loads(cli.invoke(app, ["budgets", "show", "demo", budget_id]).output)
    assert (shown["version"], shown["amount_usd"]) == (2, "600.000000000")
    assert cli.invoke(app, ["budgets", "pause", "demo", budget_id]).exit_code == 0
    assert json.loads(cli.invoke(app, ["budgets", "show", "demo", budget_id]).output)["enabled"] is False
