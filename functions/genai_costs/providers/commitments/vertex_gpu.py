"""Vertex AI online-prediction GPU hours per endpoint x deployed model x accelerator x UTC hour.

Secret ``genai-{org}-vertex_ai``: the pay-as-you-go keys plus the optional ``aiplatform_base_url``
(default ``https://{location}-aiplatform.googleapis.com``; the simulator: ``{base}/gcp/aiplatform``).
IAM: ``roles/monitoring.viewer``, ``roles/aiplatform.viewer``, and BigQuery read on the billing
export when ``billing_export_table`` is set.

Replicas: Cloud Monitoring ``aiplatform.googleapis.com/prediction/online/replicas`` (GAUGE on
resource ``aiplatform.googleapis.com/Endpoint``, labels ``location``, ``endpoint_id``; metric label
``deployed_model_id``), ``ALIGN_MEAN`` per hour: replica_hours = the hour's mean replicas x 1 h.

Accelerators: ``GET {aiplatform}/v1/projects/{project}/locations/{location}/endpoints/{endpoint_id}``
-> ``deployedModels[].dedicatedResources.machineSpec{acceleratorType, acceleratorCount}`` (per
replica); gpu_hours = replica_hours x acceleratorCount. Deployed models without accelerators are
CPU-only and skipped. [?] A model undeployed since the hour is no longer on the endpoint: its
hours are skipped with a warning (the billing export still shows the money).

Rates: the Cloud Billing export rows of service ``Vertex AI`` whose SKU description contains
"Prediction" and the accelerator's name (``NVIDIA_H100_80GB`` -> "nvidia h100 80gb", e.g.
"Vertex AI: Online Prediction Nvidia H100 80GB GPU running in Americas"), per (hour, project,
region): hourly_rate_usd = Σ cost / Σ GPU-hours (usage in seconds / 3600, or
amount_in_pricing_units when priced per hour); provider_cost_usd = gpu_hours x rate (gross of
credits), i.e. the SKU's billed hour shared by GPU-hours across endpoints, for reconciliation.
The query (below) is BigQuery SQL with named parameters; only the validated export table name is
substituted, inside backquotes. Without ``billing_export_table`` rate, SKU and cost stay NULL.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from genai_costs.model.commitment_records import GpuHour, hour_floor, numeric
from genai_costs.model.subscriptions import Subscription
from genai_costs.model.window import Window
from genai_costs.providers.base import OptionsModel, ProviderClientBase, ResponseModel, day_windows
from genai_costs.providers.commitments._gcp import VertexCommitmentCredentials, hourly_values, list_series, quote
from genai_costs.providers.gcp_billing_export import GcpBillingExport, render_sql
from genai_costs.providers.gcp_monitoring import GcpTokenSource, MonitoringClient
from genai_costs.providers.http import RetryPolicy

log = logging.getLogger(__name__)
PROVIDER = "vertex_ai"
COMMITMENT_TYPE = "vertex_gpu"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
GPU_SKU_SQL_FILE = "gcp_billing_export_gpu.sql"


class VertexGpuOptions(OptionsModel):
    replicas_metric: str = "aiplatform.googleapis.com/prediction/online/replicas"
    billing_service: str = "Vertex AI"
    sku_must_contain: str = "Prediction"


class _MachineSpec(ResponseModel):
    machineType: str | None = None
    acceleratorType: str | None = None
    acceleratorCount: int | None = None


class _Dedicated(ResponseModel):
    machineSpec: _MachineSpec | None = None


class _DeployedModel(ResponseModel):
    id: str
    displayName: str | None = None
    model: str | None = None
    dedicatedResources: _Dedicated | None = None


class _Endpoint(ResponseModel):
    name: str | None = None
    deployedModels: list[_DeployedModel] = []


def accelerator_phrase(accelerator: str) -> str:
    """``NVIDIA_H100_80GB`` -> ``nvidia h100 80gb`` (how SKU descriptions name it)."""
    return accelerator.lower().replace("_", " ")


class VertexGpuSource(ProviderClientBase[VertexCommitmentCredentials, VertexGpuOptions]):
    provider = PROVIDER
    commitment_type = COMMITMENT_TYPE
    credentials_model = VertexCommitmentCredentials
    options_model = VertexGpuOptions

    def __init__(
        self,
        credentials: VertexCommitmentCredentials,
        *,
        secret_name: str,
        subscriptions: list[Subscription] | None = None,
        http: httpx.Client | None = None,
        options: VertexGpuOptions | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime],
        bigquery_client_factory: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(credentials, secret_name=secret_name, options=options)
        self.monitoring = MonitoringClient(
            credentials, provider=PROVIDER, secret_name=secret_name, http=http, retry=retry, sleep=sleep
        )
        self.tokens = GcpTokenSource(
            credentials, provider=PROVIDER, secret_name=secret_name, scopes=[CLOUD_PLATFORM_SCOPE]
        )
        self.billing = GcpBillingExport(
            credentials,
            provider=PROVIDER,
            secret_name=secret_name,
            service_descriptions=[self.options.billing_service],
            client_factory=bigquery_client_factory,
        )
        self.now = now

    def close(self) -> None:
        self.monitoring.close()

    # -- sources -----------------------------------------------------------------------------------
    def replicas(self, window: Window) -> dict[tuple[str, str, str], dict[datetime, Decimal]]:
        """{(location, endpoint_id, deployed_model_id): {hour: mean replicas}}."""
        found: dict[tuple[str, str, str], dict[datetime, Decimal]] = defaultdict(dict)
        flt = f"metric.type = {quote(self.options.replicas_metric)}"
        for start, end in day_windows(window):
            for series in list_series(self.monitoring, metric_filter=flt, start=start, end=end, aligner="ALIGN_MEAN"):
                key = (
                    series.resource.labels.get("location", ""),
                    series.resource.labels.get("endpoint_id", ""),
                    series.metric.labels.get("deployed_model_id", ""),
                )
                for hour, value in hourly_values(series):
                    found[key][hour] = found[key].get(hour, Decimal(0)) + value
        return found

    def endpoint(self, location: str, endpoint_id: str) -> _Endpoint:
        base = self.credentials.aiplatform_base_url.replace("{location}", location).rstrip("/")
        url = f"{base}/v1/projects/{self.credentials.project_id}/locations/{location}/endpoints/{endpoint_id}"

        def headers() -> dict[str, str]:
            token = self.tokens.token()
            self.monitoring.http.add_secrets(token)
            return {"Authorization": f"Bearer {token}"}

        return self.monitoring.http.get(url, _Endpoint, headers=headers)

    def gpu_billing(self, window: Window, accelerators: set[str]) -> dict[tuple[datetime, str, str], dict[str, Any]]:
        """{(hour, region, accelerator): {gpu_hours, cost, sku_id, sku_description}} from the export."""
        if not self.credentials.billing_export_table or not accelerators:
            return {}
        from google.api_core.exceptions import GoogleAPIError
        from google.auth.exceptions import GoogleAuthError
        from google.cloud.bigquery import QueryJobConfig, ScalarQueryParameter

        sql = render_sql(self.credentials.billing_export_table, GPU_SKU_SQL_FILE)
        config = QueryJobConfig(
            query_parameters=[
                ScalarQueryParameter("start_time", "TIMESTAMP", window.start_dt),
                ScalarQueryParameter("end_time", "TIMESTAMP", window.end_dt),
                ScalarQueryParameter("service_description", "STRING", self.options.billing_service),
            ]
        )
        out: dict[tuple[datetime, str, str], dict[str, Any]] = {}
        phrases = {accelerator_phrase(a): a for a in accelerators}
        try:
            for row in self.billing._bq().query(sql, job_config=config).result():
                r = dict(row.items())
                sku, service = r.get("sku") or {}, r.get("service") or {}
                description = str(sku.get("description") or "")
                lowered = description.lower()
                if service.get("description") not in (None, self.options.billing_service):
                    continue
                if self.options.sku_must_contain.lower() not in lowered or "gpu" not in lowered:
                    continue
                if (r.get("project") or {}).get("id") not in (None, self.credentials.project_id):
                    continue
                accelerator = next((a for p, a in phrases.items() if p in lowered), None)
                if accelerator is None:
                    continue
                start = r["usage_start_time"]
                start = start.astimezone(UTC) if isinstance(start, datetime) else datetime.fromisoformat(str(start))
                region = (r.get("location") or {}).get("region") or ""
                usage = r.get("usage") or {}
                if str(usage.get("pricing_unit") or "").lower() in ("hour", "hours", "h"):
                    hours = Decimal(str(usage.get("amount_in_pricing_units") or 0))
                else:  # usage.amount in seconds
                    hours = Decimal(str(usage.get("amount") or 0)) / 3600
                acc = out.setdefault(
                    (hour_floor(start), region, accelerator),
                    {
                        "gpu_hours": Decimal(0),
                        "cost": Decimal(0),
                        "sku_id": sku.get("id"),
                        "sku_description": description,
                    },
                )
                acc["gpu_hours"] += hours
                acc["cost"] += Decimal(str(r.get("cost") or 0))
        except (GoogleAPIError, GoogleAuthError) as exc:
            raise self.billing._map(exc) from None
        return out

    # -- records -----------------------------------------------------------------------------------
    def iter_hours(self, window: Window) -> Iterator[GpuHour]:
        replicas = self.replicas(window)
        specs: dict[tuple[str, str], dict[str, _DeployedModel]] = {}
        for location, endpoint_id, _ in replicas:
            if (location, endpoint_id) not in specs:
                ep = self.endpoint(location, endpoint_id)
                specs[(location, endpoint_id)] = {d.id: d for d in ep.deployedModels}
        accelerators = {
            d.dedicatedResources.machineSpec.acceleratorType
            for models in specs.values()
            for d in models.values()
            if d.dedicatedResources
            and d.dedicatedResources.machineSpec
            and d.dedicatedResources.machineSpec.acceleratorType
        }
        billing = self.gpu_billing(window, accelerators)
        cutoff = hour_floor(self.now())
        for (location, endpoint_id, deployed_id), hours in sorted(replicas.items()):
            deployed = specs[(location, endpoint_id)].get(deployed_id)
            if deployed is None:
                log.warning(
                    "vertex_gpu: deployed model %s is no longer on endpoint %s (%s); its GPU hours are skipped",
                    deployed_id,
                    endpoint_id,
                    location,
                )
                continue
            spec = deployed.dedicatedResources.machineSpec if deployed.dedicatedResources else None
            if spec is None or not spec.acceleratorType or not spec.acceleratorCount:
                continue  # CPU-only serving
            for hour in sorted(hours):
                if not window.start_dt <= hour < window.end_dt or hour + timedelta(hours=1) > cutoff:
                    continue
                replica_hours = hours[hour]
                gpu_hours = replica_hours * spec.acceleratorCount
                bill = billing.get((hour, location, spec.acceleratorType))
                rate = cost = None
                if bill and bill["gpu_hours"]:
                    rate = bill["cost"] / bill["gpu_hours"]
                    cost = numeric(gpu_hours * rate)
                yield GpuHour(
                    provider=PROVIDER,
                    source="gcp.monitoring+aiplatform.endpoints" + ("+gcp.billing_export" if bill else ""),
                    hour_start=hour,
                    region=location,
                    model=deployed.displayName or deployed.model,
                    endpoint_id=endpoint_id,
                    deployed_model_id=deployed_id,
                    accelerator_type=spec.acceleratorType,
                    accelerator_count=spec.acceleratorCount,
                    replica_hours=replica_hours,
                    gpu_hours=gpu_hours,
                    hourly_rate_usd=rate,
                    sku_id=bill["sku_id"] if bill else None,
                    sku_description=bill["sku_description"] if bill else None,
                    provider_cost_usd=cost,
                )


from_secret = VertexGpuSource.from_secret
