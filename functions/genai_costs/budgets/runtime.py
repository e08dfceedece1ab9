"""What the budget functions open from settings: the sender of alerts (secret store, HTTP client,
Pub/Sub publisher), the metrics sink, and the targets of operational alerts. Clients are created
here, when a function runs, never at import."""

from __future__ import annotations

import datetime as dt

import httpx
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from ..alerting.targets import ChannelTarget
from ..errors import ConfigurationError
from ..messaging import Publisher
from ..secrets import open_secret_store
from ..settings import Settings
from .dispatch import Dispatcher
from .metrics import CloudMonitoring, MetricsSink, PrometheusTextFile

_TARGETS = TypeAdapter(list[ChannelTarget])


def ops_targets(settings: Settings) -> list[ChannelTarget]:
    """GENAI_COSTS_ALERT_CHANNELS, validated: a bad value is a configuration error naming the problem."""
    try:
        return _TARGETS.validate_json(settings.alert_channels)
    except PydanticValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise ConfigurationError(f"GENAI_COSTS_ALERT_CHANNELS is not a list of channel targets: {problems}") from None


def open_publisher(settings: Settings) -> Publisher | None:
    """Pub/Sub in the cloud; embedded there is none (a pubsub target then fails with the reason)."""
    if not settings.gcp_project:
        return None
    from ..messaging.pubsub import PubSubPublisher

    return PubSubPublisher(settings.gcp_project)


def open_dispatcher(settings: Settings, http: httpx.Client) -> Dispatcher:
    return Dispatcher(secrets=open_secret_store(settings), http=http, publisher=open_publisher(settings))


def open_metrics(settings: Settings, org_slug: str) -> MetricsSink:
    if settings.gcp_project:
        return CloudMonitoring(settings.gcp_project)
    return PrometheusTextFile(settings.data_dir / "metrics" / f"budgets-{org_slug}.prom")


def evaluation_interval(settings: Settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings.budget_interval_minutes)
