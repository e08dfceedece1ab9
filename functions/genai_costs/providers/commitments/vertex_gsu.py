"""Vertex AI Provisioned Throughput (GSU): terms and price from llm_subscriptions, GSUs and
utilization from Cloud Monitoring.

Secret ``genai-{org}-vertex_ai`` (the pay-as-you-go keys; IAM ``roles/monitoring.viewer`` on the
project that owns the order).

Terms and price: Google exposes no API for Provisioned Throughput orders, so every order is an
enabled ``llm_subscriptions`` row with ``provider='vertex_ai'``, ``commitment_type='vertex_gsu'`` and
``model_id``, ``commitment_units`` (GSUs), ``unit_hourly_price_usd`` (USD per GSU-hour) and
``commitment_start_date`` set (``commitment_end_date`` inclusive, NULL = open-ended; ``region`` the
order's location, NULL = any). No such row, or a row missing one of those fields ->
ConfigurationError naming the row and the field; nothing written. The order is active from
midnight UTC of the start date to midnight after the end date.

GSUs: ``publisher/online_serving/dedicated_gsu_limit`` (GAUGE, ``ALIGN_MEAN`` per hour, filtered by
``resource.labels.model_user_id`` and ``resource.labels.location``) divided by the hour's
active_fraction; hours without a point use ``commitment_units`` (the order is paid either way).

Utilization: ``publisher/online_serving/consumed_token_throughput`` with
``metric.labels.request_type = "dedicated"`` (DELTA, ``ALIGN_SUM`` per hour; tokens after the
model's burndown rate) / (``dedicated_token_limit`` (tokens per second, GAUGE, ``ALIGN_MEAN``) x
3600 x active_fraction), capped at 1. Without a token-limit point the row's ``tpm_limit`` (tokens
per minute of one GSU) is used; otherwise utilization is NULL. ``spillover`` / ``shared`` traffic
is pay-as-you-go and never counted here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

import httpx

from genai_costs.errors import ConfigurationError
from genai_costs.model.commitment_records import CapacityHour, numeric
from genai_costs.model.subscriptions import Subscription
from genai_costs.model.window import Window
from genai_costs.providers.base import OptionsModel, ProviderClientBase, day_windows
from genai_costs.providers.commitments._gcp import VertexCommitmentCredentials, hourly_values, list_series, quote
from genai_costs.providers.commitments.base import missing, term_from_months, window_hours
from genai_costs.providers.gcp_monitoring import MonitoringClient
from genai_costs.providers.http import RetryPolicy

PROVIDER = "vertex_ai"
COMMITMENT_TYPE: Final = "vertex_gsu"
PREFIX = "aiplatform.googleapis.com/publisher/online_serving/"
REQUIRED = ("model_id", "commitment_units", "unit_hourly_price_usd", "commitment_start_date")


class VertexGsuOptions(OptionsModel):
    gsu_metric: str = PREFIX + "dedicated_gsu_limit"
    token_limit_metric: str = PREFIX + "dedicated_token_limit"
    consumed_metric: str = PREFIX + "consumed_token_throughput"
    dedicated_request_type: str = "dedicated"


@dataclass(frozen=True)
class _Order:
    """A configured Provisioned Throughput order with every field the hours need."""

    row: Subscription
    model_id: str
    units: int
    start: datetime


def _order(row: Subscription) -> _Order:
    model_id, units, start = row.model_id, row.commitment_units, row.start
    if model_id is None or units is None or start is None or row.unit_hourly_price_usd is None:
        absent = [f for f in REQUIRED if getattr(row, f) is None]
        raise missing(
            COMMITMENT_TYPE,
            f"order for model {row.model_id or '<unset>'} lacks {', '.join(absent)}",
            provider=PROVIDER,
            fields=absent,
            row=row,
        )
    if row.end is not None and row.end <= start:
        raise ConfigurationError(
            f"{COMMITMENT_TYPE}: {row.describe()} ends before it starts "
            f"(commitment_end_date {row.commitment_end_date} < commitment_start_date "
            f"{row.commitment_start_date})"
        )
    return _Order(row, model_id, units, start)


class VertexGsuSource(ProviderClientBase[VertexCommitmentCredentials, VertexGsuOptions]):
    provider = PROVIDER
    commitment_type = COMMITMENT_TYPE
    credentials_model = VertexCommitmentCredentials
    options_model = VertexGsuOptions

    def __init__(
        self,
        credentials: VertexCommitmentCredentials,
        *,
        secret_name: str,
        subscriptions: list[Subscription],
        http: httpx.Client | None = None,
        options: VertexGsuOptions | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__(credentials, secret_name=secret_name, options=options)
        self.subscriptions = [s for s in subscriptions if s.commitment_type == COMMITMENT_TYPE]
        self.monitoring = MonitoringClient(
            credentials, provider=PROVIDER, secret_name=secret_name, http=http, retry=retry, sleep=sleep
        )
        self.now = now

    def close(self) -> None:
        self.monitoring.close()

    def orders(self, window: Window) -> list[_Order]:
        if not self.subscriptions:
            raise missing(
                COMMITMENT_TYPE,
                "no Provisioned Throughput order is configured (Google has no API listing orders)",
                provider=PROVIDER,
                fields=REQUIRED,
            )
        orders = [_order(row) for row in self.subscriptions]  # all validated before any is used
        return [o for o in orders if o.start < window.end_dt and (o.row.end is None or o.row.end > window.start_dt)]

    def _hourly(
        self, metric: str, order: _Order, window: Window, aligner: str, extra: str = ""
    ) -> dict[datetime, Decimal]:
        flt = f"metric.type = {quote(metric)} AND resource.labels.model_user_id = {quote(order.model_id)}"
        if order.row.region:
            flt += f" AND resource.labels.location = {quote(order.row.region)}"
        flt += extra
        values: dict[datetime, Decimal] = defaultdict(Decimal)
        for start, end in day_windows(window):
            for series in list_series(self.monitoring, metric_filter=flt, start=start, end=end, aligner=aligner):
                for hour, value in hourly_values(series):
                    values[hour] += value
        return values

    def iter_hours(self, window: Window) -> Iterator[CapacityHour]:
        o = self.options
        now = self.now()
        for order in self.orders(window):
            row = order.row
            gsus = self._hourly(o.gsu_metric, order, window, "ALIGN_MEAN")
            limits = self._hourly(o.token_limit_metric, order, window, "ALIGN_MEAN")
            consumed = self._hourly(
                o.consumed_metric,
                order,
                window,
                "ALIGN_SUM",
                f" AND metric.labels.request_type = {quote(o.dedicated_request_type)}",
            )
            for hour, fraction in window_hours(window, order.start, row.end, now):
                units = Decimal(order.units)
                if gsus.get(hour):
                    units = numeric(gsus[hour] / fraction)
                utilization = None
                capacity: Decimal | None
                if limits.get(hour):
                    # The hour's mean limit (tokens/s) x 3600 s = tokens available in the hour's active part.
                    capacity = limits[hour] * 3600
                elif row.tpm_limit:
                    capacity = units * row.tpm_limit * 60 * fraction
                else:
                    capacity = None
                if capacity:
                    utilization = numeric(min(Decimal(1), consumed.get(hour, Decimal(0)) / capacity))
                yield CapacityHour(
                    provider=PROVIDER,
                    source="gcp.monitoring+llm_subscriptions",
                    hour_start=hour,
                    region=row.region,
                    model=order.model_id,
                    commitment_type=COMMITMENT_TYPE,
                    commitment_id=row.subscription_id,
                    commitment_name=row.plan_name,
                    active_fraction=fraction,
                    provisioned_units=units,
                    capacity_unit="GSU",
                    utilization=utilization,
                    hourly_unit_price_usd=row.unit_hourly_price_usd,
                    price_source="llm_subscriptions",
                    term=term_from_months(row.commitment_term_months),
                    commitment_start=order.start,
                    commitment_end=row.end,
                    terms_source="llm_subscriptions",
                )


from_secret = VertexGsuSource.from_secret
