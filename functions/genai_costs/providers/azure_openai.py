"""Azure OpenAI: Azure Monitor metrics (usage) and the Cost Management Query API (money).

Auth: Entra ID client-credentials flow, ``POST {login_base_url}/{tenant_id}/oauth2/v2.0/token`` with
scope ``https://management.azure.com/.default``; the ARM bearer token is cached until ~5 min before
expiry. The service principal needs Monitoring Reader + Reader on the account and Cost Management
Reader on the cost scope.

Usage: ``GET {arm}/{account}/providers/Microsoft.Insights/metrics`` with
``metricnames=ProcessedPromptTokens,GeneratedTokens,AzureOpenAIRequests``, ``interval=PT1H``,
``aggregation=Total``, ``$filter=ModelDeploymentName eq '*'`` (split per deployment; option
``metric_filter`` adds ``and ModelName eq '*'``), ``top`` raised from Azure's default of 10 series
[?: configurable], one call
per UTC day so the three metrics can be merged into one record per (deployment, model, hour).
The deployments list (``sku.name``, ``properties.model.name``) maps deployment -> model / SKU:
``service_tier`` = deployment SKU (``GlobalStandard``, ``ProvisionedManaged``, ...), ``is_batch`` =
SKU ends with ``Batch``.

Attributable: account (stored in ``project_id``), deployment, model, deployment SKU. NOT
attributable: API key / caller, cached vs uncached input (the classic metrics have no cached-token
count, so cached input is counted in ``input_uncached_tokens``; an estimate from it overstates cost).
Categories: ProcessedPromptTokens -> input_uncached_tokens, GeneratedTokens -> output_tokens,
AzureOpenAIRequests -> requests. No provider total exists: provider_total_tokens = ProcessedPromptTokens
+ GeneratedTokens as returned, so the invariant is trivially true for this source.

Costs: ``POST {arm}/{scope}/providers/Microsoft.CostManagement/query?api-version=2023-11-01``,
``type`` ActualCost, Custom time period, Daily granularity, one Sum aggregation (aliased with its own
name so the result column has that name either way), <= 2 groupings (default ResourceId + Meter),
filtered to the account's resource id. ``properties.nextLink`` is POSTed the same body. The
columns/rows table is mapped by column NAME, never by position. Azure has no "estimated" flag
(data refreshes ~every 4 h until the invoice closes); records carry ``is_estimated=False``.
Throttling answers 429 with ``x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after`` (honoured).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from pydantic import Field, SecretStr

from genai_costs.errors import ProviderResponseError
from genai_costs.model.records import CostRecord, UsageRecord
from genai_costs.model.window import Window
from genai_costs.providers.base import (
    CredentialsModel,
    OptionsModel,
    ProviderClientBase,
    ResponseModel,
    day_windows,
    parse_rfc3339,
    rfc3339,
)
from genai_costs.providers.http import AUTH_STATUSES, ProviderHttp, RetryPolicy, paginate

PROVIDER = "azure_openai"
ARM_SCOPE = "https://management.azure.com/.default"


class AzureCredentials(CredentialsModel):
    tenant_id: str
    client_id: str
    client_secret: SecretStr
    subscription_id: str
    resource_group: str
    account_name: str
    cost_scope: str | None = None  # e.g. "subscriptions/<id>"; default: the account's resource group
    arm_base_url: str = "https://management.azure.com"
    login_base_url: str = "https://login.microsoftonline.com"
    # A pre-issued ARM bearer token; when set, the client-credentials flow is skipped. Meant for the
    # local simulator (which has no login endpoint) and short manual runs: real tokens expire in ~1 h.
    access_token: SecretStr | None = None
    # Used by the commitment flow (PTU hourly prices); one secret serves both flows.
    retail_prices_base_url: str = "https://prices.azure.com"


class AzureOptions(OptionsModel):
    metrics_api_version: str = "2023-10-01"  # [?] any GA Microsoft.Insights metrics version works
    deployments_api_version: str = "2024-10-01"
    cost_api_version: str = "2023-11-01"
    input_metric: str = "ProcessedPromptTokens"
    output_metric: str = "GeneratedTokens"
    requests_metric: str = "AzureOpenAIRequests"
    metric_top: int = Field(default=1000, ge=1)  # [?] Azure returns only 10 series by default
    # The reference's example splits by deployment only; the model then comes from the deployments
    # list. "ModelDeploymentName eq '*' and ModelName eq '*'" also splits by model (useful when a
    # deployment's model version changed inside the window); both shapes are parsed.
    metric_filter: str = "ModelDeploymentName eq '*'"
    cost_type: str = "ActualCost"
    cost_aggregation: str = "Cost"  # [?] "PreTaxCost" on some (EA/legacy) scopes
    cost_grouping: tuple[str, ...] = Field(default=("ResourceId", "Meter"), max_length=2)
    filter_to_account: bool = True
    # Azure region of the account (e.g. "eastus", "swedencentral"): the price region of its Data Zone
    # ("us" / "eu") and Regional deployments. Unset: those rows carry no region and price at the
    # Global rate, below the Data Zone / Regional price.
    account_location: str | None = None


# Azure regions per Data Zone (Data Zone deployments are priced per zone, not per region).
_DATA_ZONE_REGIONS = {
    "us": (
        "eastus",
        "eastus2",
        "centralus",
        "northcentralus",
        "southcentralus",
        "westcentralus",
        "westus",
        "westus2",
        "westus3",
    ),
    "eu": (
        "francecentral",
        "germanywestcentral",
        "italynorth",
        "northeurope",
        "norwayeast",
        "polandcentral",
        "spaincentral",
        "swedencentral",
        "switzerlandnorth",
        "westeurope",
    ),
}


def price_region(sku: str | None, location: str | None) -> str | None:
    """The region an Azure OpenAI deployment is priced in, as llm_model_pricing.region: None for
    Global deployments (GlobalStandard, GlobalBatch, ...), the Data Zone ("us" / "eu") for Data Zone
    ones, the account's region for Regional ones (Standard, ProvisionedManaged, ...); None when the
    SKU or the location is unknown."""
    if sku is None or sku.lower().startswith("global") or location is None:
        return None
    loc = location.lower().replace(" ", "")
    if sku.lower().startswith("datazone"):
        return next((zone for zone, regions in _DATA_ZONE_REGIONS.items() if loc in regions), None)
    return loc


# -- response models ---------------------------------------------------------------------------
class TokenResponse(ResponseModel):
    access_token: str
    expires_in: int = 3599  # a string in some responses; accepted


class LocalizableString(ResponseModel):
    value: str
    localizedValue: str | None = None


class MetadataValue(ResponseModel):
    name: LocalizableString
    value: str | None = None


class MetricPoint(ResponseModel):
    timeStamp: str
    total: float | None = None


class MetricTimeSeries(ResponseModel):
    metadatavalues: list[MetadataValue] = []
    data: list[MetricPoint] = []


class MetricItem(ResponseModel):
    name: LocalizableString
    unit: str | None = None
    timeseries: list[MetricTimeSeries] = []


class MetricsResponse(ResponseModel):
    value: list[MetricItem] = []


class DeploymentModel(ResponseModel):
    format: str | None = None
    name: str | None = None
    version: str | None = None


class DeploymentProperties(ResponseModel):
    model: DeploymentModel | None = None


class Sku(ResponseModel):
    name: str | None = None
    capacity: int | None = None


class Deployment(ResponseModel):
    name: str
    sku: Sku | None = None
    properties: DeploymentProperties | None = None


class DeploymentsPage(ResponseModel):
    value: list[Deployment] = []
    nextLink: str | None = None


class QueryColumn(ResponseModel):
    name: str
    type: str | None = None


class QueryProperties(ResponseModel):
    nextLink: str | None = None
    columns: list[QueryColumn]
    rows: list[list[Any]] = []


class QueryResult(ResponseModel):
    properties: QueryProperties


def _count(value: float | None) -> int:
    if value is None:
        return 0
    return int(value) if float(value).is_integer() else round(value)


def parse_usage_date(value: Any) -> date:
    """Cost Management's UsageDate: ``20250101`` (number) or an ISO date/datetime string."""
    text = str(value).strip()
    if text.isdigit() and len(text) == 8:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


class AzureOpenAIClient(ProviderClientBase[AzureCredentials, AzureOptions]):
    provider = PROVIDER
    credentials_model = AzureCredentials
    options_model = AzureOptions

    def __init__(
        self,
        credentials: AzureCredentials,
        *,
        secret_name: str,
        http: httpx.Client | None = None,
        options: AzureOptions | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(credentials, secret_name=secret_name, options=options)
        self.arm = credentials.arm_base_url.rstrip("/")
        self.http = ProviderHttp(
            PROVIDER,
            secret_name,
            client=http,
            policy=retry,
            sleep=sleep,
            secrets=[credentials.client_secret, credentials.access_token],
        )
        self._token: str | None = None
        self._token_expiry = 0.0
        self._clock = clock
        self._lock = threading.Lock()

    # -- auth ---------------------------------------------------------------------------------
    def _access_token(self) -> str:
        if self.credentials.access_token is not None:
            return self.credentials.access_token.get_secret_value()
        with self._lock:
            if self._token is None or self._clock() >= self._token_expiry:
                c = self.credentials
                url = f"{c.login_base_url.rstrip('/')}/{c.tenant_id}/oauth2/v2.0/token"
                token = self.http.post(
                    url,
                    TokenResponse,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": c.client_id,
                        "client_secret": c.client_secret.get_secret_value(),
                        "scope": ARM_SCOPE,
                    },
                    # Entra answers a wrong secret with 400/401 (AADSTS7000215): both are auth failures.
                    auth_statuses=AUTH_STATUSES | {400},
                )
                self.http.add_secrets(token.access_token)
                self._token = token.access_token
                self._token_expiry = self._clock() + max(60, token.expires_in - 300)
            return self._token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._access_token()}"}

    @property
    def account_id(self) -> str:
        c = self.credentials
        return (
            f"/subscriptions/{c.subscription_id}/resourceGroups/{c.resource_group}"
            f"/providers/Microsoft.CognitiveServices/accounts/{c.account_name}"
        )

    # -- usage --------------------------------------------------------------------------------
    def deployments(self) -> dict[str, Deployment]:
        first = f"{self.arm}{self.account_id}/deployments"

        def fetch(cursor: str | None) -> DeploymentsPage:
            if cursor:
                return self.http.get(cursor, DeploymentsPage, headers=self._headers)
            return self.http.get(
                first,
                DeploymentsPage,
                params={"api-version": self.options.deployments_api_version},
                headers=self._headers,
            )

        found: dict[str, Deployment] = {}
        for page in paginate(fetch, lambda p: p.nextLink, provider=PROVIDER, max_pages=self.http.policy.max_pages):
            for dep in page.value:
                found[dep.name] = dep
        return found

    def iter_usage(self, window: Window) -> Iterator[UsageRecord]:
        o = self.options
        deployments = self.deployments()
        url = f"{self.arm}{self.account_id}/providers/Microsoft.Insights/metrics"
        kinds = {o.input_metric.lower(): "in", o.output_metric.lower(): "out", o.requests_metric.lower(): "req"}
        for start, end in day_windows(window):
            params = {
                "api-version": o.metrics_api_version,
                "metricnames": ",".join([o.input_metric, o.output_metric, o.requests_metric]),
                "timespan": f"{rfc3339(start)}/{rfc3339(end)}",
                "interval": "PT1H",
                "aggregation": "Total",
                "$filter": o.metric_filter,
                "top": o.metric_top,
            }
            response = self.http.get(url, MetricsResponse, params=params, headers=self._headers)
            merged: dict[tuple[str | None, str | None, datetime], dict[str, float]] = defaultdict(dict)
            for item in response.value:
                kind = kinds.get(item.name.value.lower())
                if kind is None:
                    continue
                for series in item.timeseries:
                    meta = {m.name.value.lower(): m.value for m in series.metadatavalues}
                    key = (meta.get("modeldeploymentname"), meta.get("modelname"))
                    for point in series.data:
                        if point.total is None:
                            continue
                        bucket = merged[(*key, parse_rfc3339(point.timeStamp))]
                        bucket[kind] = bucket.get(kind, 0.0) + point.total
            for deployment, model, ts in sorted(merged, key=lambda k: (k[2], str(k[0]), str(k[1]))):
                values = merged[(deployment, model, ts)]
                if not any(values.values()):
                    continue  # Azure reports explicit zeros for idle hours: nothing to record
                dep = deployments.get(deployment or "")
                sku = dep.sku.name if dep and dep.sku else None
                if model is None and dep and dep.properties and dep.properties.model:
                    model = dep.properties.model.name
                inp, out = _count(values.get("in")), _count(values.get("out"))
                yield UsageRecord(
                    provider=PROVIDER,
                    source="azure.monitor.metrics",
                    bucket_start=ts,
                    bucket_width="1h",
                    model=model,
                    region=price_region(sku, o.account_location),
                    service_tier=sku,
                    is_batch=None if sku is None else sku.endswith("Batch"),
                    project_id=self.credentials.account_name,
                    deployment=deployment,
                    input_uncached_tokens=inp,
                    output_tokens=out,
                    requests=_count(values["req"]) if "req" in values else None,
                    provider_total_tokens=inp + out,
                )

    # -- costs --------------------------------------------------------------------------------
    def _cost_body(self, window: Window) -> dict[str, Any]:
        o = self.options
        last = window.end - timedelta(days=1)
        dataset: dict[str, Any] = {
            "granularity": "Daily",
            "aggregation": {o.cost_aggregation: {"name": o.cost_aggregation, "function": "Sum"}},
            "grouping": [{"type": "Dimension", "name": g} for g in o.cost_grouping],
        }
        if o.filter_to_account:
            dataset["filter"] = {
                "dimensions": {"name": "ResourceId", "operator": "In", "values": [self.account_id.lower()]}
            }
        return {
            "type": o.cost_type,
            "timeframe": "Custom",
            "timePeriod": {"from": f"{window.start.isoformat()}T00:00:00Z", "to": f"{last.isoformat()}T23:59:59Z"},
            "dataset": dataset,
        }

    def iter_costs(self, window: Window) -> Iterator[CostRecord]:
        o = self.options
        c = self.credentials
        scope = (c.cost_scope or f"subscriptions/{c.subscription_id}/resourceGroups/{c.resource_group}").strip("/")
        first = f"{self.arm}/{scope}/providers/Microsoft.CostManagement/query"
        body = self._cost_body(window)

        def fetch(cursor: str | None) -> QueryResult:
            if cursor:
                return self.http.post(cursor, QueryResult, json=body, headers=self._headers)
            return self.http.post(
                first, QueryResult, params={"api-version": o.cost_api_version}, json=body, headers=self._headers
            )

        for page in paginate(
            fetch, lambda p: p.properties.nextLink, provider=PROVIDER, max_pages=self.http.policy.max_pages
        ):
            index = {col.name.lower(): i for i, col in enumerate(page.properties.columns)}
            required = {o.cost_aggregation.lower(), "usagedate", "currency"}
            missing = required - index.keys()
            if missing and page.properties.rows:
                raise ProviderResponseError(
                    f"{PROVIDER}: cost query result lacks column(s) {sorted(missing)}", provider=PROVIDER
                )
            meter_col = next((g.lower() for g in o.cost_grouping if g.lower() != "resourceid"), None)
            for row in page.properties.rows:
                if len(row) != len(page.properties.columns):
                    raise ProviderResponseError(f"{PROVIDER}: cost row width does not match columns", provider=PROVIDER)
                get = lambda name: row[index[name]] if name in index else None  # noqa: E731, B023 (used in this iteration)
                resource_id = get("resourceid")
                account = str(resource_id).rstrip("/").rsplit("/", 1)[-1] if resource_id else None
                yield CostRecord(
                    provider=PROVIDER,
                    source="azure.cost_management.query",
                    usage_date=parse_usage_date(get("usagedate")),
                    project_id=account,
                    line_item=str(get(meter_col)) if meter_col and get(meter_col) is not None else None,
                    amount=Decimal(str(get(o.cost_aggregation.lower()))),
                    currency=str(get("currency")),
                    is_estimated=False,
                )

    def close(self) -> None:
        self.http.close()
