"""Commitment (capacity) and infrastructure (GPU) sources, one module per commitment type.

    azure_ptu   Azure OpenAI provisioned deployments (PTU)       -> CapacityHour
    bedrock_pt  AWS Bedrock provisioned throughput (model units) -> CapacityHour
    vertex_gsu  Vertex AI Provisioned Throughput (GSU)           -> CapacityHour
    vertex_gpu  Vertex AI online-prediction GPU hours            -> GpuHour

Every source is built from the organization's provider secret (the same secret as pay-as-you-go,
``genai-{org}-{provider}``, plus the optional keys listed in each module) and the organization's
enabled ``llm_subscriptions`` rows of its commitment type, and yields one record per commitment
(or endpoint x deployed model) per UTC hour of the window, in hour order per commitment.

What comes from where:

| | units / start / end | hourly unit price | utilization |
|---|---|---|---|
| azure_ptu | deployments list (``sku.capacity``, ``systemData.createdAt``); a reservation's dates from llm_subscriptions | Azure Retail Prices API; llm_subscriptions when a row gives ``unit_hourly_price_usd`` (negotiated / reserved) | Azure Monitor ``AzureOpenAIProvisionedManagedUtilizationV2`` |
| bedrock_pt | ``ListProvisionedModelThroughputs`` | llm_subscriptions (REQUIRED; no API exposes it) | CloudWatch tokens on the provisioned model ARN vs configured tokens per model unit (ESTIMATE) |
| vertex_gsu | llm_subscriptions (REQUIRED); GSUs from ``dedicated_gsu_limit`` where reported | llm_subscriptions (REQUIRED) | ``consumed_token_throughput`` (dedicated) vs ``dedicated_token_limit`` |
| vertex_gpu | ``prediction/online/replicas`` + endpoints.get machine spec | billing export GPU SKUs | - |
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ConfigDict

from genai_costs.errors import ConfigurationError
from genai_costs.ingestion.commitment_records import HOUR, CapacityHour, GpuHour, active_fraction, hour_floor
from genai_costs.ingestion.window import Window
from genai_costs.model.provider_catalog import COMMITMENT_TYPES
from genai_costs.providers.http import RetryPolicy

SUBSCRIPTIONS_TABLE = "llm_subscriptions"
# commitment type -> provider, from the provider catalog.
COMMITMENT_PROVIDERS = {c.id: c.provider for c in COMMITMENT_TYPES}


class Subscription(BaseModel):
    """The commitment columns of one enabled ``llm_subscriptions`` row."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    subscription_id: str
    provider: str
    plan_name: str
    commitment_type: str | None = None
    model_id: str | None = None
    region: str | None = None
    commitment_units: int | None = None
    unit_hourly_price_usd: Decimal | None = None
    commitment_start_date: date | None = None
    commitment_end_date: date | None = None  # inclusive
    commitment_term_months: int | None = None
    tpm_limit: int | None = None  # for bedrock_pt / vertex_gsu: tokens per minute of ONE unit

    @property
    def start(self) -> datetime | None:
        d = self.commitment_start_date
        return None if d is None else datetime.combine(d, dtime.min, tzinfo=UTC)

    @property
    def end(self) -> datetime | None:
        """Exclusive end: midnight after the inclusive commitment_end_date."""
        d = self.commitment_end_date
        return None if d is None else datetime.combine(d + timedelta(days=1), dtime.min, tzinfo=UTC)

    def describe(self) -> str:
        return f"{SUBSCRIPTIONS_TABLE} row {self.subscription_id} (plan_name {self.plan_name!r})"


class CommitmentSource(Protocol):
    provider: str
    commitment_type: str

    def iter_hours(self, window: Window) -> Iterator[CapacityHour | GpuHour]: ...

    def close(self) -> None: ...


def missing(
    commitment_type: str,
    what: str,
    *,
    provider: str,
    model: str | None = None,
    fields: Sequence[str] = (),
    row: Subscription | None = None,
) -> ConfigurationError:
    """A ConfigurationError naming the table, the provider/commitment type, the model and the fields."""
    where = (
        f"{row.describe()}"
        if row
        else f"an enabled {SUBSCRIPTIONS_TABLE} row with provider='{provider}', commitment_type='{commitment_type}'"
        + (f", model_id='{model}'" if model else "")
    )
    need = f" setting {', '.join(fields)}" if fields else ""
    return ConfigurationError(f"{commitment_type}: {what}; configure {where}{need}")


def matching(subscriptions: Sequence[Subscription], model: str | None, region: str | None = None) -> list[Subscription]:
    """Rows for ``model`` (exact model_id) whose region is NULL (any) or equal to ``region``."""
    return [
        s for s in subscriptions if s.model_id == model and (s.region is None or region is None or s.region == region)
    ]


def term_from_months(months: int | None) -> str:
    if not months:
        return "no_commitment"
    return f"{months}_month" if months == 1 else f"{months}_months"


def window_hours(
    window: Window, start: datetime | None = None, end: datetime | None = None, now: datetime | None = None
) -> Iterator[tuple[datetime, Decimal]]:
    """(hour_start, active_fraction) of every UTC hour of the window in which [start, end) is
    active, stopping at ``now`` (an hour still running is not reported)."""
    lo = window.start_dt if start is None else max(window.start_dt, hour_floor(start))
    hi = window.end_dt if end is None else min(window.end_dt, end)
    if now is not None:
        hi = min(hi, hour_floor(now))
    hour = lo
    while hour < hi:
        fraction = active_fraction(hour, start, end)
        if fraction > 0:
            yield hour, fraction
        hour += HOUR


def build_commitment_source(
    commitment_type: str,
    credentials: dict,
    *,
    secret_name: str,
    subscriptions: Sequence[Subscription] = (),
    http: httpx.Client | None = None,
    options: dict | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] | None = None,
    **extra: Any,
) -> CommitmentSource:
    """Validate ``credentials`` (SecretError naming ``secret_name``) and build the source."""
    sources = {c.id: c.source for c in COMMITMENT_TYPES}
    if commitment_type not in sources:
        raise ConfigurationError(f"unknown commitment type {commitment_type!r}; expected one of {sorted(sources)}")
    # Imported on first use: each source pulls in its provider's SDK.
    return importlib.import_module(sources[commitment_type]).from_secret(
        credentials,
        secret_name=secret_name,
        subscriptions=list(subscriptions),
        http=http,
        options=options,
        retry=retry,
        sleep=sleep,
        now=now or (lambda: datetime.now(UTC)),
        **extra,
    )
