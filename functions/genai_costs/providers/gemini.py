"""Gemini API (Google AI Studio keys): there is NO usage or billing REST API for these keys.

Usage comes from Cloud Monitoring in the GCP project that owns the key:
``generativelanguage.googleapis.com/generate_content_usage_input_token_count`` and
``..._output_token_count`` (DELTA INT64, BETA metrics [S]; names changed over time, so both are
options), ``ALIGN_SUM`` 3600 s, ``REDUCE_SUM`` grouped by ``metric.label.model``; one query per metric
per UTC day, merged into one record per (model, hour).

Attributable: GCP project and model only. NOT attributable: API key (per-key data exists only as
request counts in ``serviceruntime`` metrics), service tier, batch, cached vs uncached input (cached
input is counted in ``input_uncached_tokens``), region. The input metric is reported missing for some
``gen-lang-client-*`` projects [S]: then records carry input 0 - the billing export is authoritative.

Categories: input metric -> input_uncached_tokens, output metric -> output_tokens; no provider
total exists, so provider_total_tokens = input metric + output metric as returned, and the invariant
is trivially true for this source.

Costs: Cloud Billing BigQuery export with ``service.description`` in ``cost_services`` (default
``["Gemini API", "Generative Language API"]``), see ``gcp_billing_export``.
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

PROVIDER = "gemini"


class GeminiOptions(GcpOptions):
    input_metric: str = "generativelanguage.googleapis.com/generate_content_usage_input_token_count"
    output_metric: str = "generativelanguage.googleapis.com/generate_content_usage_output_token_count"
    model_label: str = "metric.label.model"
    cost_services: tuple[str, ...] = ("Gemini API", "Generative Language API")


class GeminiClient(GcpClientBase[GeminiOptions]):
    provider = PROVIDER
    options_model = GeminiOptions

    def iter_usage(self, window: Window) -> Iterator[UsageRecord]:
        o = self.options
        for start, end in day_windows(window):
            merged: dict[tuple[str | None, datetime], dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for kind, metric in (("input", o.input_metric), ("output", o.output_metric)):
                for series in self.monitoring.list_time_series(
                    metric_filter=f'metric.type="{metric}"', start=start, end=end, group_by_fields=(o.model_label,)
                ):
                    model = label(series, o.model_label)
                    for point in series.points:
                        merged[(model, point_start(point, 3600))][kind] += point.value.as_int()
            for model, bucket_start in sorted(merged, key=lambda k: (k[1], str(k[0]))):
                values = merged[(model, bucket_start)]
                yield UsageRecord(
                    provider=PROVIDER,
                    source="gcp.monitoring.generativelanguage",
                    bucket_start=bucket_start,
                    bucket_width="1h",
                    model=model,
                    project_id=self.credentials.project_id,
                    input_uncached_tokens=values.get("input", 0),
                    output_tokens=values.get("output", 0),
                    provider_total_tokens=values.get("input", 0) + values.get("output", 0),
                )
