"""Budget figures as metrics after each evaluation, so dashboards and metric alerting can use them.

    spend_usd            spend to date in the current period
    amount_usd           the budget amount
    utilization_ratio    spend / amount (1.0 = the whole budget)
    forecast_usd         spend expected at the period's end (absent without a forecast)

Labels: org_slug, budget_id, budget_name, period_start. In the cloud they are Cloud Monitoring custom
metrics ``custom.googleapis.com/genai_costs/budget/<name>`` (gauges on the ``global`` resource of the
project; the descriptors are created on first write). Embedded, the same gauges are written in the
Prometheus text format to a file (node_exporter's textfile collector reads it). Metric values are
floats by nature; the exact decimals stay in genai_budget_status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .status import BudgetStatus

METRIC_PREFIX = "custom.googleapis.com/genai_costs/budget/"
PROMETHEUS_PREFIX = "genai_costs_budget_"
MAX_SERIES_PER_REQUEST = 200  # Cloud Monitoring's limit per CreateTimeSeries call


@dataclass(frozen=True)
class Point:
    name: str
    labels: dict[str, str]
    value: float


def points(statuses: Sequence[BudgetStatus]) -> Iterator[Point]:
    for s in statuses:
        labels = {
            "org_slug": s.budget.org_slug,
            "budget_id": s.budget.budget_id,
            "budget_name": s.budget.name,
            "period_start": s.period.start.isoformat(),
        }
        yield Point("spend_usd", labels, float(s.spend_usd))
        yield Point("amount_usd", labels, float(s.budget.amount_usd))
        yield Point("utilization_ratio", labels, float(s.spend_usd / s.budget.amount_usd))
        if s.forecast is not None:
            yield Point("forecast_usd", labels, float(s.forecast.expected))


class MetricsSink(Protocol):
    def publish(self, statuses: Sequence[BudgetStatus], *, at: dt.datetime) -> int:
        """Write the figures of these statuses; return the number of points written."""


DESCRIPTIONS = {
    "spend_usd": "Budget spend to date in the current period, USD",
    "amount_usd": "Budget amount for the period, USD",
    "utilization_ratio": "Budget spend to date / amount",
    "forecast_usd": "Budget spend expected at the period's end, USD",
}


@dataclass
class PrometheusTextFile:
    """Embedded: the gauges in Prometheus text format, replaced atomically after each evaluation."""

    path: Path

    def render(self, statuses: Sequence[BudgetStatus]) -> bytes:
        from prometheus_client import CollectorRegistry, Gauge, generate_latest

        registry = CollectorRegistry()
        gauges: dict[str, Any] = {}
        for point in points(statuses):
            if point.name not in gauges:
                gauges[point.name] = Gauge(
                    PROMETHEUS_PREFIX + point.name, DESCRIPTIONS[point.name], list(point.labels), registry=registry
                )
            gauges[point.name].labels(**point.labels).set(point.value)
        return generate_latest(registry)

    def publish(self, statuses: Sequence[BudgetStatus], *, at: dt.datetime) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(self.render(statuses))
        tmp.replace(self.path)
        return sum(1 for _ in points(statuses))


@dataclass
class CloudMonitoring:
    """Cloud Monitoring custom metrics; the client is created on first use, never at import."""

    project: str
    client: Any = None

    def _client(self) -> Any:
        if self.client is None:
            from google.cloud import monitoring_v3

            self.client = monitoring_v3.MetricServiceClient()
        return self.client

    def time_series(self, statuses: Sequence[BudgetStatus], at: dt.datetime) -> list[Any]:
        from google.cloud import monitoring_v3

        end = at.astimezone(dt.UTC)
        interval = monitoring_v3.TimeInterval(
            {"end_time": {"seconds": int(end.timestamp()), "nanos": end.microsecond * 1000}}
        )
        series = []
        for point in points(statuses):
            ts = monitoring_v3.TimeSeries()
            ts.metric.type = METRIC_PREFIX + point.name
            ts.metric.labels.update(point.labels)
            ts.resource.type = "global"
            ts.resource.labels["project_id"] = self.project
            ts.points = [monitoring_v3.Point({"interval": interval, "value": {"double_value": point.value}})]
            series.append(ts)
        return series

    def publish(self, statuses: Sequence[BudgetStatus], *, at: dt.datetime) -> int:
        series = self.time_series(statuses, at)
        client = self._client()
        for i in range(0, len(series), MAX_SERIES_PER_REQUEST):
            client.create_time_series(
                name=f"projects/{self.project}", time_series=series[i : i + MAX_SERIES_PER_REQUEST]
            )
        return len(series)
