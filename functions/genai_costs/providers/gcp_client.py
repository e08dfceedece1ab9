"""What the two Google clients (Vertex AI, Gemini API) share: token metrics from Cloud
Monitoring, money from the Cloud Billing export, one service-account credential."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from genai_costs.model.records import CostRecord
from genai_costs.model.window import Window
from genai_costs.providers.base import OptionsModel, ProviderClientBase
from genai_costs.providers.gcp_billing_export import GcpBillingExport
from genai_costs.providers.gcp_monitoring import GcpCredentials, MonitoringClient
from genai_costs.providers.http import RetryPolicy


class GcpOptions(OptionsModel):
    """Options every Google client has: which billing-export services are its costs, and how many
    recent days the export may still revise (marked estimated)."""

    cost_services: tuple[str, ...]
    estimated_trailing_days: int = 3


GcpOptionsT = TypeVar("GcpOptionsT", bound=GcpOptions)


class GcpClientBase(ProviderClientBase[GcpCredentials, GcpOptionsT]):
    credentials_model = GcpCredentials

    def __init__(
        self,
        credentials: GcpCredentials,
        *,
        secret_name: str,
        http: httpx.Client | None = None,
        options: GcpOptionsT | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        bigquery_client_factory: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(credentials, secret_name=secret_name, options=options)
        self.monitoring = MonitoringClient(
            credentials, provider=self.provider, secret_name=secret_name, http=http, retry=retry, sleep=sleep
        )
        self.billing = GcpBillingExport(
            credentials,
            provider=self.provider,
            secret_name=secret_name,
            service_descriptions=self.options.cost_services,
            estimated_trailing_days=self.options.estimated_trailing_days,
            client_factory=bigquery_client_factory,
        )

    def iter_costs(self, window: Window) -> Iterator[CostRecord]:
        yield from self.billing.iter_costs(window, source="gcp.billing_export")

    def close(self) -> None:
        self.monitoring.close()
