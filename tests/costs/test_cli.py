"""``genai-costs costs``: the same report as GET /costs (one implementation), as JSON or a table; the
same validation (a usage error, exit 2)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from genai_costs_cli.app import app

from .conftest import D1, D3


def test_json_is_the_routes_data(client):
    args = ["--start-date", D1.isoformat(), "--end-date", D3.isoformat(), "--group-by", "tenant_id"]
    result = CliRunner().invoke(app, ["costs", "acme", *args, "--tenant-id", "t1", "--format", "json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    route = client.get(
        "/acme/costs",
        query_string={
            "start_date": D1.isoformat(),
            "end_date": D3.isoformat(),
            "group_by": "tenant_id",
            "tenant_id": "t1",
        },
    ).get_json()
    assert cli == route
    assert cli["data"]["total_cost_usd"] == "0.020500000" and cli["data"]["groups"][0]["value"] == "t1"


def test_table(acme):
    result = CliRunner().invoke(app, ["costs", "acme", "--start-date", D1.isoformat(), "--end-date", D3.isoformat()])
    assert result.exit_code == 0, result.output
    assert "requests 7 (priced 5, committed 1, unpriced 1 with 330 tokens" in result.stdout
    assert "total cost $0.0207" in result.stdout and D1.isoformat() in result.stdout


def test_bad_options_are_usage_errors(acme):
    result = CliRunner().invoke(app, ["costs", "acme", "--start-date", D3.isoformat(), "--end-date", D1.isoformat()])
    assert result.exit_code == 2 and "is after end-date" in result.output
    result = CliRunner().invoke(app, ["costs", "acme", "--group-by", "colour"])
    assert result.exit_code == 2 and "group-by" in result.output
    result = CliRunner().invoke(app, ["costs", "nobody"])
    assert result.exit_code == 3
