"""Shared by vertex_gsu and vertex_gpu: the Vertex secret (pay-as-you-go keys + ``aiplatform_base_url``)
and Cloud Monitoring reads with an explicit per-series aligner (GAUGE metrics need ALIGN_MEAN,
which ``gcp_monitoring.MonitoringClient.list_time_series`` does not offer)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from genai_costs.providers.base import rfc3339
from genai_costs.providers.gcp_monitoring import (
    GcpCredentials,
    MonitoringClient,
    TimeSeries,
    TimeSeriesPage,
    point_start,
)
from genai_costs.providers.http import paginate

# The payg credential model carries aiplatform_base_url too, so one secret serves both flows.
VertexCommitmentCredentials = GcpCredentials


def list_series(
    monitoring: MonitoringClient,
    *,
    metric_filter: str,
    start: datetime,
    end: datetime,
    aligner: str,
    period_seconds: int = 3600,
) -> Iterator[TimeSeries]:
    url = f"{monitoring.base_url}/v3/projects/{monitoring.credentials.project_id}/timeSeries"
    params: dict[str, Any] = {
        "filter": metric_filter,
        "interval.startTime": rfc3339(start),
        "interval.endTime": rfc3339(end),
        "aggregation.alignmentPeriod": f"{period_seconds}s",
        "aggregation.perSeriesAligner": aligner,
        "view": "FULL",
        "pageSize": monitoring.page_size,
    }

    def fetch(cursor: str | None) -> TimeSeriesPage:
        p = dict(params)
        if cursor:
            p["pageToken"] = cursor
        return monitoring.http.get(url, TimeSeriesPage, params=p, headers=monitoring._headers)

    for page in paginate(
        fetch, lambda pg: pg.nextPageToken, provider=monitoring.provider, max_pages=monitoring.http.policy.max_pages
    ):
        yield from page.timeSeries


def hourly_values(series: TimeSeries) -> Iterator[tuple[datetime, Decimal]]:
    """(bucket start, exact value) of an hour-aligned series: doubleValue (ALIGN_MEAN) or int64Value."""
    for point in series.points:
        v = point.value
        if v.doubleValue is not None:
            value = Decimal(repr(v.doubleValue))
        else:
            value = Decimal(v.int64Value or 0)
        yield point_start(point, 3600), value


def quote(value: str) -> str:
    """A Monitoring filter string literal (values come from configuration, never user SQL)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
