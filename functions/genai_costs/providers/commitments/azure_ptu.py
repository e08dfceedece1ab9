"""Azure OpenAI provisioned deployments (PTU): capacity, hourly price and hourly utilization.

Secret ``genai-{org}-azure_openai``: the pay-as-you-go keys (see ``providers.registry``) plus the
optional ``retail_prices_base_url`` (default ``https://prices.azure.com``; the simulator serves it
under ``{base}/azure-prices``). The Retail Prices API needs no authentication.

Capacity: ``GET {arm}/{account}/deployments?api-version=2024-10-01``; a deployment whose
``sku.name`` is ``ProvisionedManaged`` / ``GlobalProvisionedManaged`` / ``DataZoneProvisionedManaged``
is a commitment of ``sku.capacity`` PTUs, billed hourly from ``systemData.createdAt`` (open-ended;
when createdAt is absent the deployment is taken as active for the whole window). [?] The list
shows the CURRENT capacity: a deployment resized or deleted inside the window is reported with
today's shape (back-fills of deleted deployments find nothing).

Price: the ``llm_subscriptions`` row of the deployment's model (``commitment_type='azure_ptu'``,
enabled, region NULL or equal) when it sets ``unit_hourly_price_usd`` (a reservation or a
negotiated EA/MCA price: ``price_source='llm_subscriptions'``, and its commitment dates/term when
set: ``terms_source='llm_subscriptions'``); otherwise the Retail Prices API:
``$filter=productName eq 'Azure OpenAI' and skuName eq 'Provisioned Managed Global|Data Zone|Regional'
and unitOfMeasure eq '1/Hour' and type eq 'Consumption'`` (+ ``armRegionName`` when the account
region is known from the metrics response or the ``region`` option), ``Items[]`` followed through
``NextPageLink``; the meter whose name ends in ``Unit`` (``price_source='azure_retail_prices'``).
No price from either -> ConfigurationError naming llm_subscriptions and the model.

Utilization: Azure Monitor ``AzureOpenAIProvisionedManagedUtilizationV2`` (percent of the
deployment's PTU capacity, ``interval=PT1H``, ``aggregation=Average``,
``$filter=ModelDeploymentName eq '*'``), one call per UTC day; utilization = min(1, average / 100);
an hour without a data point stays NULL. Spillover traffic is served (and billed) by the standard
deployment it spills to and does not count here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Final

import httpx
from pydantic import Field

from genai_costs.errors import ConfigurationError
from genai_costs.model.commitment_records import CapacityHour, PriceSource, TermsSource, numeric
from genai_costs.model.subscriptions import Subscription
from genai_costs.model.window import Window
from genai_costs.providers.azure_openai import AzureCredentials, AzureOpenAIClient, AzureOptions
from genai_costs.providers.base import (
    OptionsModel,
    ProviderClientBase,
    ResponseModel,
    day_windows,
    parse_rfc3339,
    rfc3339,
)
from genai_costs.providers.commitments.base import matching, missing, term_from_months, window_hours
from genai_costs.providers.http import RetryPolicy, paginate

PROVIDER = "azure_openai"
COMMITMENT_TYPE: Final = "azure_ptu"
RETAIL_SKUS = {
    "ProvisionedManaged": "Provisioned Managed Regional",
    "GlobalProvisionedManaged": "Provisioned Managed Global",
    "DataZoneProvisionedManaged": "Provisioned Managed Data Zone",
}


AzurePtuCredentials = AzureCredentials  # carries retail_prices_base_url: one secret serves both flows


class AzurePtuOptions(OptionsModel):
    metrics_api_version: str = "2023-10-01"
    deployments_api_version: str = "2024-10-01"
    retail_api_version: str = "2023-01-01-preview"
    utilization_metric: str = "AzureOpenAIProvisionedManagedUtilizationV2"
    metric_top: int = Field(default=1000, ge=1)
    region: str | None = None  # account region (armRegionName) for retail prices; default: from metrics


# -- response models -----------------------------------------------------------------------------
class _Name(ResponseModel):
    value: str


class _Meta(ResponseModel):
    name: _Name
    value: str | None = None


class _Point(ResponseModel):
    timeStamp: str
    average: float | None = None


class _Series(ResponseModel):
    metadatavalues: list[_Meta] = []
    data: list[_Point] = []


class _Metric(ResponseModel):
    name: _Name
    timeseries: list[_Series] = []


class _Metrics(ResponseModel):
    value: list[_Metric] = []
    resourceregion: str | None = None


class _Sku(ResponseModel):
    name: str | None = None
    capacity: int | None = None


class _Model(ResponseModel):
    name: str | None = None
    version: str | None = None


class _Props(ResponseModel):
    model: _Model | None = None


class _SystemData(ResponseModel):
    createdAt: str | None = None


class _Deployment(ResponseModel):
    name: str
    sku: _Sku | None = None
    properties: _Props | None = None
    systemData: _SystemData | None = None


class _PtuSku(_Sku):
    name: str  # one of RETAIL_SKUS


class _ProvisionedDeployment(_Deployment):
    """A deployment on a provisioned (PTU) SKU: what ``provisioned_deployments`` returns."""

    sku: _PtuSku


class _DeploymentsPage(ResponseModel):
    value: list[_Deployment] = []
    nextLink: str | None = None


class _PriceItem(ResponseModel):
    retailPrice: Decimal
    currencyCode: str = "USD"
    armRegionName: str | None = None
    meterName: str | None = None
    skuName: str | None = None
    unitOfMeasure: str | None = None
    type: str | None = None


class _PricesPage(ResponseModel):
    Items: list[_PriceItem] = []
    NextPageLink: str | None = None


# deployment, model, hourly unit price, price source, start, end, terms source, term
_Plan = tuple[
    _ProvisionedDeployment, str | None, Decimal, PriceSource, datetime | None, datetime | None, TermsSource, str
]


class AzurePtuSource(ProviderClientBase[AzurePtuCredentials, AzurePtuOptions]):
    provider = PROVIDER
    commitment_type = COMMITMENT_TYPE
    credentials_model = AzurePtuCredentials
    options_model = AzurePtuOptions

    def __init__(
        self,
        credentials: AzurePtuCredentials,
        *,
        secret_name: str,
        subscriptions: list[Subscription],
        http: httpx.Client | None = None,
        options: AzurePtuOptions | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__(credentials, secret_name=secret_name, options=options)
        self.subscriptions = [s for s in subscriptions if s.commitment_type == COMMITMENT_TYPE]
        # Reuses the pay-as-you-go client for the Entra token, retries and redaction.
        self.arm = AzureOpenAIClient(
            credentials,
            secret_name=secret_name,
            http=http,
            retry=retry,
            sleep=sleep,
            options=AzureOptions(deployments_api_version=self.options.deployments_api_version),
        )
        self.http = self.arm.http
        self.now = now

    def close(self) -> None:
        self.arm.close()

    # -- discovery ---------------------------------------------------------------------------------
    def provisioned_deployments(self) -> list[_ProvisionedDeployment]:
        first = f"{self.arm.arm}{self.arm.account_id}/deployments"

        def fetch(cursor: str | None) -> _DeploymentsPage:
            if cursor:
                return self.http.get(cursor, _DeploymentsPage, headers=self.arm._headers)
            return self.http.get(
                first,
                _DeploymentsPage,
                params={"api-version": self.options.deployments_api_version},
                headers=self.arm._headers,
            )

        found: list[_ProvisionedDeployment] = []
        for page in paginate(fetch, lambda p: p.nextLink, provider=PROVIDER, max_pages=self.http.policy.max_pages):
            found += [
                _ProvisionedDeployment.model_validate(d, from_attributes=True)
                for d in page.value
                if d.sku and d.sku.name in RETAIL_SKUS
            ]
        return sorted(found, key=lambda d: d.name)

    def utilization(self, window: Window) -> tuple[dict[tuple[str, datetime], Decimal], str | None]:
        """{(deployment, hour): utilization 0..1} and the account region reported by Monitor."""
        o = self.options
        url = f"{self.arm.arm}{self.arm.account_id}/providers/Microsoft.Insights/metrics"
        values: dict[tuple[str, datetime], Decimal] = {}
        region = None
        for start, end in day_windows(window):
            params = {
                "api-version": o.metrics_api_version,
                "metricnames": o.utilization_metric,
                "timespan": f"{rfc3339(start)}/{rfc3339(end)}",
                "interval": "PT1H",
                "aggregation": "Average",
                "$filter": "ModelDeploymentName eq '*'",
                "top": o.metric_top,
            }
            response = self.http.get(url, _Metrics, params=params, headers=self.arm._headers)
            region = region or response.resourceregion
            for metric in response.value:
                if metric.name.value.lower() != o.utilization_metric.lower():
                    continue
                for series in metric.timeseries:
                    meta = {m.name.value.lower(): m.value for m in series.metadatavalues}
                    deployment = meta.get("modeldeploymentname")
                    for point in series.data:
                        if deployment and point.average is not None:
                            pct = Decimal(str(point.average))
                            values[(deployment, parse_rfc3339(point.timeStamp))] = numeric(
                                min(Decimal(1), max(Decimal(0), pct / 100))
                            )
        return values, region

    def retail_price(self, sku_name: str, region: str | None) -> Decimal | None:
        clauses = [
            ("productName", "Azure OpenAI"),
            ("skuName", sku_name),
            ("unitOfMeasure", "1/Hour"),
            ("type", "Consumption"),
        ]
        if region:
            clauses.append(("armRegionName", region))
        # Values are fixed names from this module or a validated region, quoted OData literals.
        flt = " and ".join(f"{k} eq '{v.replace(chr(39), chr(39) * 2)}'" for k, v in clauses)
        url = f"{self.credentials.retail_prices_base_url.rstrip('/')}/api/retail/prices"

        def fetch(cursor: str | None) -> _PricesPage:
            if cursor:
                return self.http.get(cursor, _PricesPage)
            return self.http.get(
                url, _PricesPage, params={"api-version": self.options.retail_api_version, "$filter": flt}
            )

        prices = set()
        for page in paginate(fetch, lambda p: p.NextPageLink, provider=PROVIDER, max_pages=self.http.policy.max_pages):
            for item in page.Items:
                if (item.meterName or "").endswith("Unit") and item.currencyCode.upper() == "USD":
                    prices.add(item.retailPrice)
        if len(prices) > 1:
            raise ConfigurationError(
                f"{COMMITMENT_TYPE}: the Azure Retail Prices API lists {len(prices)} different hourly prices for "
                f"'{sku_name}'{' in ' + region if region else ''}; set the 'region' option or configure "
                f"unit_hourly_price_usd in an enabled llm_subscriptions row (commitment_type='azure_ptu')"
            )
        return next(iter(prices), None)

    # -- records -----------------------------------------------------------------------------------
    def iter_hours(self, window: Window) -> Iterator[CapacityHour]:
        deployments = self.provisioned_deployments()
        if not deployments:
            return
        utilization, region = self.utilization(window)
        region = self.options.region or region
        retail: dict[str, Decimal | None] = {}
        plans: list[_Plan] = []
        # Resolve every price before yielding anything: a configuration gap fails the whole run.
        for dep in deployments:
            model = dep.properties.model.name if dep.properties and dep.properties.model else None
            rows = matching(self.subscriptions, model, region)
            if len(rows) > 1:
                raise ConfigurationError(
                    f"{COMMITMENT_TYPE}: {len(rows)} enabled llm_subscriptions rows match model_id '{model}' "
                    f"({', '.join(r.subscription_id for r in rows)}); keep one or set their region"
                )
            row = rows[0] if rows else None
            price: Decimal | None
            price_source: PriceSource
            if row is not None and row.unit_hourly_price_usd is not None:
                price, price_source = row.unit_hourly_price_usd, "llm_subscriptions"
            else:
                sku = RETAIL_SKUS[dep.sku.name]
                if sku not in retail:
                    retail[sku] = self.retail_price(sku, region)
                price, price_source = retail[sku], "azure_retail_prices"
                if price is None:
                    raise missing(
                        COMMITMENT_TYPE,
                        f"no hourly price for deployment '{dep.name}' ({dep.sku.name}, "
                        f"{dep.sku.capacity} PTU): the Azure Retail Prices API has no '{sku}' 1/Hour meter"
                        + (f" in {region}" if region else ""),
                        provider=PROVIDER,
                        model=model,
                        fields=("unit_hourly_price_usd",),
                    )
            start: datetime | None
            end: datetime | None
            terms_source: TermsSource
            if row is not None and row.start is not None:
                start, end, terms_source = row.start, row.end, "llm_subscriptions"
                term = term_from_months(row.commitment_term_months)
            else:
                created = dep.systemData.createdAt if dep.systemData else None
                start, end, terms_source, term = (
                    (parse_rfc3339(created) if created else None),
                    None,
                    "provider_api",
                    "no_commitment",
                )
            plans.append((dep, model, price, price_source, start, end, terms_source, term))
        now = self.now()
        for dep, model, price, price_source, start, end, terms_source, term in plans:
            for hour, fraction in window_hours(window, start, end, now):
                yield CapacityHour(
                    provider=PROVIDER,
                    source="azure.deployments+azure.monitor.metrics",
                    hour_start=hour,
                    region=region,
                    model=model,
                    commitment_type=COMMITMENT_TYPE,
                    commitment_id=f"{self.credentials.account_name}/{dep.name}",
                    commitment_name=dep.name,
                    active_fraction=fraction,
                    provisioned_units=Decimal(dep.sku.capacity or 0),
                    capacity_unit="PTU",
                    utilization=utilization.get((dep.name, hour)),
                    hourly_unit_price_usd=price,
                    price_source=price_source,
                    term=term,
                    commitment_start=start,
                    commitment_end=end,
                    terms_source=terms_source,
                )


from_secret = AzurePtuSource.from_secret
