"""Simulator configuration: the synthetic world, default credentials and paging knobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from provider_sim.faults import FaultPlan


@dataclass(frozen=True)
class Credentials:
    """Credentials the simulator accepts; deterministic so tests and docs can rely on them."""

    openai_admin_key: str = "sk-admin-sim-openai"
    openai_expired_key: str = "sk-admin-sim-openai-expired"
    anthropic_admin_key: str = "sk-ant-admin01-sim-anthropic"
    anthropic_expired_key: str = "sk-ant-admin01-sim-expired"
    azure_token: str = "sim-azure-token"
    azure_expired_token: str = "sim-azure-token-expired"
    aws_access_key_id: str = "AKIASIMULATOR0000001"
    aws_expired_access_key_id: str = "AKIASIMEXPIRED000001"
    # Google clients may run with AnonymousCredentials (no header); only this bearer is refused.
    gcp_expired_token: str = "sim-gcp-token-expired"


@dataclass(frozen=True)
class Paging:
    """Page sizes where the real API decides them server-side (small defaults exercise paging)."""

    azure_cost_rows: int = 1000
    aws_ce_groups: int = 100
    aws_cw_datapoints: int = 5000
    gcp_series: int = 10
    bigquery_rows: int = 5000
    azure_retail_items: int = 3  # the real API pages at 100
    aws_bedrock_models: int = 1  # provisioned throughputs per ListProvisionedModelThroughputs page
    aws_log_events: int = 2000  # invocation log events per FilterLogEvents page (the real API: 10,000 or 1 MB)


@dataclass(frozen=True)
class TrafficPlan:
    """The organization's own applications and the usage events they send (provider_sim.traffic)."""

    days: int = 7  # the applications were instrumented this many days before `now`
    # Calls per day each provider's instrumented scope is sized to (the platform's own projects and keys;
    # the rest of the organization's usage sends no events). Groq is used only by the platform.
    daily_calls: tuple[tuple[str, int], ...] = (("openai", 900), ("anthropic", 700), ("azure", 1000), ("bedrock", 600))
    invocation_log_loss_rate: float = 0.01  # Bedrock calls whose model invocation log record never arrived
    groq_calls_per_hour: int = 12
    drop_rate: float = 0.03  # calls the application never recorded (crash before flush, lost buffer)
    resend_rate: float = 0.02  # requests whose answer was lost: the client sends the same batch again
    late_rate: float = 0.01  # events parked in a retry queue and sent hours to days later
    requeue_rate: float = 0.005  # events sent on time AND again later from the retry queue
    miscount_rate: float = 0.05  # grader calls to Anthropic reporting prompt_tokens without the cache
    flush_seconds: int = 600  # the client flushes at least this often ...
    max_batch_events: int = 500  # ... or when this many events wait


@dataclass(frozen=True)
class SimConfig:
    seed: int = 42
    org: str = "acme"
    start: date = date(2025, 9, 1)
    end: date = date(2025, 11, 1)  # exclusive: usage exists for hours in [start, end)
    now: datetime | None = None  # default: end of window; nothing exists at or after it
    revision: int = 0  # late-revision counter for the 2 days before `now`
    scale: float = 1.0  # multiplies the number of dimension combinations (rows per hour)
    credentials: Credentials = field(default_factory=Credentials)
    paging: Paging = field(default_factory=Paging)
    faults: FaultPlan = field(default_factory=FaultPlan)
    traffic: TrafficPlan = field(default_factory=TrafficPlan)
    slow_ms: int = 300  # default delay of a `slow` fault without its own `ms`

    @property
    def window_start(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def window_end(self) -> datetime:
        return datetime.combine(self.end, time(), UTC)

    @property
    def effective_now(self) -> datetime:
        return self.now.astimezone(UTC) if self.now else self.window_end
