"""What the two Google clients (Vertex AI, Gemini API) share: token metrics from Cloud
Monitoring, money from the Cloud Billing export, one service-account credential."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import httpx

from genai_costs.model.records import CostRecord
from genai_costs.model.window import Window
from genai_costs.providers.base import OptionsModel, parse_credentials, parse_options
from genai_costs.providers.gcp_billing_export import GcpBillingExport
from genai_costs.providers.gcp_monitoring import GcpCredentials, MonitoringClient
from genai_costs.providers.http import RetryPolicy


class GcpClientBase:
    provider: ClassVar[str]
    options_model: ClassVar[type[OptionsModel]]  # must define cost_services, estimated_trailing_days

    def __init__(
        self,
        credentials: GcpCredentials,
        *,
        secret_name: str,
        http: httpx.Client | None = None,
        options: OptionsModel | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        bigquery_client_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.credentials = credentials
        self.options = options or self.options_model()
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

    @classmethod
    def from_secret(cls, data: dict, *, secret_name: str, options: dict | None = None, **kw: Any):
        creds = parse_credentials(GcpCredentials, data, provider=cls.provider, secret_name=secret_name)
        return cls(
            creds,
            secret_name=secret_name,
            options=parse_options(cls.options_model, options, provider=cls.provider),
            **kw,
        )

    def iter_costs(self, window: Window) -> Iterator[CostRecord]:
        yield from self.billing.iter_costs(window, source="gcp.billing_export")

    def close(self) -> None:
        self.monitoring.close()
