"""`genai-costs run` (what `make run` calls) works end to end on the embedded default."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from genai_costs_cli.app import app


def test_run_ingests_every_flow_consolidates_and_reports(tmp_path):
    result = CliRunner().invoke(app, ["run", "--org-slug", "demo", "--days", "3"])
    assert result.exit_code == 0, result.output
    data = tmp_path / "data"
    assert (data / "reports" / "demo.html").read_text().count("<svg") >= 2
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute(
            "SELECT provider, flow, status FROM demo_prod.genai_ingestion_runs WHERE status != 'started'"
        ).fetchall()
        focus = con.execute(
            "SELECT ChargeCategory, COUNT(*), SUM(EffectiveCost) FROM demo_prod.cost_data_standard_1_3 "
            "WHERE ChargePeriodStart >= TIMESTAMP '2000-01-01' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert len(runs) == 6 + 4 + 1 and {s for _, _, s in runs} == {"succeeded"}
    categories = {c for c, _, _ in focus}
    assert categories == {"Usage", "Purchase"}
    assert "Unpriced usage" in result.output and "never booked at $0" in result.output
    # Re-running is harmless: same warehouse, same numbers.
    again = CliRunner().invoke(app, ["run", "--org-slug", "demo", "--days", "3"])
    assert again.exit_code == 0, again.output
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert (
            con.execute(
                "SELECT ChargeCategory, COUNT(*), SUM(EffectiveCost) FROM demo_prod.cost_data_standard_1_3 "
                "WHERE ChargePeriodStart >= TIMESTAMP '2000-01-01' GROUP BY 1 ORDER BY 1"
            ).fetchall()
            == focus
        )
