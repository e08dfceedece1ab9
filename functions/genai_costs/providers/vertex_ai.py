"""Vertex AI (publisher models incl. Gemini on Vertex and partner models such as Claude on Vertex).

Usage: Cloud Monitoring ``aiplatform.googleapis.com/publisher/online_serving/token_count`` (DELTA INT64)
on resource ``aiplatform.googleapis.com/PublisherModel``, ``ALIGN_SUM`` over 3600 s, ``REDUCE_SUM``
grouped by ``metric.label.type``, ``resource.label.model_user_id``, ``resource.label.location``,
``metric.label.request_type``; one query per UTC day so the input and output series of a day can be
merged into one record per (model, location, request_type, hour).

Attributable: GCP project, model, location, request type (``dedicated`` = Provisioned Throughput,
``shared`` = pay-as-you-go, ``spillover``), stored in ``service_tier``. NOT attributable: API key or
principal, batch vs online (``is_batch`` None), cached vs uncached input (the metric has no cached
split beyond the ``explicit_caching`` label, so cached input is counted in ``input_uncached_tokens``
and an estimate from it overstates cost; the billing export is authoritative).

Categories: ``type=input`` -> input_uncached_tokens, ``type=output`` -> output_tokens. There is no
provider total: provider_total_tokens = the sum of every token_count value returned, of every
``type`` - so the invariant is trivially true for input/output and any unexpected ``type`` value
makes the record fail the invariant (quarantined) instead of being silently dropped.

Costs: Cloud Billing BigQuery export, ``service.description`` in ``cost_services`` (default
``["Vertex AI"]``), see ``gcp_billing_export``. Without ``billing_export_table`` no costs are yielded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from genai_costs.model.records import UsageRecord
from genai_costs.model.window import Window
from genai_costs.providers.base import day_windows
from genai_costs.providers.gcp_client import GcpClientBase, GcpOptions
from genai_costs.providers.gcp_monitoring import label, point_start

PROVIDER = "vertex_ai"
TOKEN_COUNT = "aiplatform.googleapis.com/publisher/online_serving/token_count"
RESOURCE_TYPE = "aiplatform.googleapis.com/PublisherModel"


class VertexOptions(GcpOptions):
    group_by_fields: tuple[str, ...] = (
        "metric.label.type",
        "resource.label.model_user_id",
        "resource.label.location",
        "metric.label.request_type",
    )
    cost_services: tuple[str, ...] = ("Vertex AI",)


class VertexAIClient(GcpClientBase[VertexOptions]):
    provider = PROVIDER
    options_model = VertexOptions

    def iter_usage(self, window: Window) -> Iterator[UsageRecord]:
        metric_filter = f'metric.type="{TOKEN_COUNT}" AND resource.type="{RESOURCE_TYPE}"'
        for start, end in day_windows(window):
            # (model, location, request_type, bucket_start) -> type -> tokens
            merged: dict[tuple[str | None, str | None, str | None, datetime], dict[str, int]] = defaultdict(
                lambda: defaultdict(int)
            )
            for series in self.monitoring.list_time_series(
                metric_filter=metric_filter, start=start, end=end, group_by_fields=self.options.group_by_fields
            ):
                key_dims = (
                    label(series, "resource.label.model_user_id"),
                    label(series, "resource.label.location"),
                    label(series, "metric.label.request_type"),
                )
                kind = label(series, "metric.label.type") or "unknown"
                for point in series.points:
                    merged[(*key_dims, point_start(point, 3600))][kind] += point.value.as_int()
            for model, location, request_type, bucket_start in sorted(
                merged, key=lambda k: (k[3], str(k[0]), str(k[1]), str(k[2]))
            ):
                values = merged[(model, location, request_type, bucket_start)]
                yield UsageRecord(
                    provider=PROVIDER,
                    source="gcp.monitoring.token_count",
                    bucket_start=bucket_start,
                    bucket_width="1h",
                    model=model,
                    region=location,
                    service_tier=request_type,
                    project_id=self.credentials.project_id,
                    input_uncached_tokens=values.get("input", 0),
                    output_tokens=values.get("output", 0),
                    provider_total_tokens=sum(values.values()),
                )
