"""Spend and utilization as metrics after each evaluation: Prometheus text embedded, Cloud
Monitoring custom metrics in the cloud."""

from __future__ import annotations

from genai_costs.budgets.metrics import CloudMonitoring, PrometheusTextFile

from .conftest import at

NOW = at("2026-03-02T09:00:00")


def test_the_embedded_run_writes_prometheus_text(world, tmp_path):
    budget = world.budget("tenant acme", "200", scope={"tenant": "acme"})
    world.event("2026-03-02T08:00:00", "50", tenant="acme")
    path = tmp_path / "metrics" / "budgets-demo.prom"
    world.evaluate(NOW, metrics=PrometheusTextFile(path))
    text = path.read_text()
    labels = f'budget_id="{budget.budget_id}",budget_name="tenant acme",org_slug="demo",period_start="2026-03-01"'
    assert f"genai_costs_budget_spend_usd{{{labels}}} 50.0" in text
    assert f"genai_costs_budget_amount_usd{{{labels}}} 200.0" in text
    assert f"genai_costs_budget_utilization_ratio{{{labels}}} 0.25" in text
    assert "# TYPE genai_costs_budget_spend_usd gauge" in text
    assert "forecast_usd{" not in text  # no forecast without a week of history


class RecordingClient:
    def __init__(self):
        self.calls = []

    def create_time_series(self, name, time_series):
        self.calls.append((name, list(time_series)))


def test_the_cloud_writes_cloud_monitoring_custom_metrics_in_batches(world):
    for n in range(110):
        world.budget(f"b{n}", "100", scope={"tenant": f"t{n}"})
    world.event("2026-03-02T08:00:00", "25", tenant="t7")
    client = RecordingClient()
    world.evaluate(NOW, metrics=CloudMonitoring("proj-1", client=client))
    assert [len(series) for _, series in client.calls] == [200, 130]  # 110 budgets x 3 gauges, 200 a call
    assert {name for name, _ in client.calls} == {"projects/proj-1"}
    series = [s for _, batch in client.calls for s in batch]
    spend = next(s for s in series if s.metric.type.endswith("/spend_usd") and s.metric.labels["budget_name"] == "b7")
    assert spend.metric.type == "custom.googleapis.com/genai_costs/budget/spend_usd"
    assert (spend.resource.type, spend.resource.labels["project_id"]) == ("global", "proj-1")
    assert spend.points[0].value.double_value == 25.0
    assert spend.points[0].interval.end_time.timestamp() == NOW.timestamp()
