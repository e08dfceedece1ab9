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
        alerts = con.execute(
            "SELECT l.kind, d.channel, d.status FROM demo_prod.genai_alert_ledger AS l "
            "JOIN demo_prod.genai_alert_deliveries AS d USING (alert_id) WHERE l.budget_id = 'bud_demo_org'"
        ).fetchall()
    # 6 pay-as-you-go, 1 Bedrock invocation logs, 4 commitment, 1 consolidation, 2 budget evaluations.
    assert len(runs) == 6 + 1 + 4 + 1 + 2 and {s for _, _, s in runs} == {"succeeded"}
    # The organization budget is sized to 80 % of the spend: 75 % is sent to Slack and e-mail, once.
    sent = [("budget_threshold_actual", "email", "sent"), ("budget_threshold_actual", "slack", "sent")]
    assert sorted(alerts) == sent
    assert "second evaluation right after: 0 new message(s)" in result.output
    categories = {c for c, _, _ in focus}
    assert categories == {"Usage", "Purchase"}
    assert "Unpriced usage" in result.output and "never booked at $0" in result.output
    # Re-running is harmless: same warehouse, same numbers.
    again = CliRunner().invoke(app, ["run", "--org-slug", "demo", "--days", "3"])
    assert again.exit_code == 0, again.output
    assert "received (first evaluation)" not in again.output  # every crossing was sent by the first run
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert (
            con.execute(
                "SELECT ChargeCategory, COUNT(*), SUM(EffectiveCost) FROM demo_prod.cost_data_standard_1_3 "
                "WHERE ChargePeriodStart >= TIMESTAMP '2000-01-01' GROUP BY 1 ORDER BY 1"
            ).fetchall()
            == focus
        )
