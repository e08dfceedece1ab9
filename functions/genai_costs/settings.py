"""Typed settings from the environment (prefix ``GENAI_COSTS_``).

Four seams, each selectable on its own:

    warehouse   embedded (DuckDB)              | bigquery (at any BigQuery API endpoint)
    secrets     local (AES-GCM sealed store)   | secret_manager
    messaging   inprocess (the in-process bus) | pubsub
    providers   live (the organization's own credentials) | simulator (the local provider simulator,
                with its own credentials in a store of their own: never the organization's)

A seam left unset follows ``GENAI_COSTS_GCP_PROJECT``: no project means the embedded default, a
project means Google Cloud for every seam (what a deployment sets).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Days a run without an explicit window re-pulls, because providers revise recent days.
DEFAULT_TRAILING_DAYS = 3
# Cloud Functions gen2 event-driven functions run at most 540 s; Terraform passes the deployed value.
DEFAULT_FUNCTION_TIMEOUT_SECONDS = 540

WarehouseBackend = Literal["embedded", "bigquery"]
SecretsBackend = Literal["local", "secret_manager"]
MessagingBackend = Literal["inprocess", "pubsub"]
ProvidersSource = Literal["live", "simulator"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GENAI_COSTS_", extra="ignore")

    gcp_project: str | None = Field(None, description="Google Cloud project; unset = embedded mode")
    bq_location: str = Field("US", description="BigQuery location for datasets and jobs")
    data_dir: Path = Field(Path(".data"), description="Embedded mode: DuckDB file, secret store")
    sql_dir: Path | None = Field(None, description="Override where the sql/ tree is read from")
    secret_key_file: Path | None = Field(None, description="AES-256-GCM key file (mode 0600)")
    trailing_days: int = Field(
        DEFAULT_TRAILING_DAYS, ge=0, le=31, description="Days re-pulled because providers revise them"
    )
    duckdb_memory_limit: str | None = Field(
        None,
        pattern=r"^[0-9]+(\.[0-9]+)? ?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="Embedded mode: cap DuckDB's memory (it spills to disk beyond it), e.g. '2GiB'",
    )
    schema_owner: Literal["onboarding", "terraform"] = Field(
        "onboarding",
        description="Who creates the dataset, tables and procedures: 'terraform' (the deployed module, which "
        "sets it; onboarding then only verifies them) or 'onboarding' (embedded and hand-made setups)",
    )
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$", description="Log level of the functions")
    max_message_age_seconds: int = Field(86_400, gt=0, description="Older Pub/Sub events are dropped")
    alert_channels: str = Field(
        "[]",
        description="Where operational alerts go (unpriced usage, a stale source, a failed run): a JSON list of "
        "channel targets, secrets referenced by Secret Manager id",
    )
    budget_interval_minutes: int = Field(
        5, ge=1, le=1440, description="How often budgets are evaluated; a status older than three intervals is stale"
    )
    resource_prefix: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9-]{0,62}$",
        description="Cloud: how Terraform names the org's resources, '{prefix}-{org slug with dashes}' (topics "
        "'{resource_prefix}-{flow}', scheduler jobs '{resource_prefix}-{job key}'); unset = 'genai-{org slug}'",
    )
    enabled_sources: frozenset[str] | None = Field(
        None,
        description="Providers and commitment types this deployment enables (Terraform sets it, JSON list); "
        "manual runs of any other are refused. Unset = every known one",
    )

    # -- which organization a deployment serves ---------------------------------------------------
    org_slug: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_]{2,29}$",
        description="The one organization this deployment serves (Terraform sets it); a message or request "
        "for any other is rejected. Unset (embedded): any organization",
    )

    # -- seams -----------------------------------------------------------------------------------
    warehouse: WarehouseBackend | None = Field(None, description="embedded | bigquery; default: follows gcp_project")
    secrets: SecretsBackend | None = Field(None, description="local | secret_manager; default: follows gcp_project")
    messaging: MessagingBackend | None = Field(None, description="inprocess | pubsub; default: follows gcp_project")
    providers: ProvidersSource = Field(
        "live",
        description="live: the organization's credentials; simulator: the local provider simulator's own "
        "credentials, kept apart from the organization's (genai-costs run)",
    )
    bigquery_api_endpoint: str | None = Field(
        None,
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        description="BigQuery API endpoint, e.g. an emulator at http://127.0.0.1:9050; unset = Google's",
    )
    bigquery_credentials: Literal["default", "anonymous"] = Field(
        "default", description="default: Application Default Credentials; anonymous: none (for an emulator)"
    )

    usage_events_topic: str = Field(
        "genai-usage-events",
        pattern=r"^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$",
        description="record_usage: the Pub/Sub topic (id, in the same project) whose BigQuery subscription "
        "appends to genai_usage_events_raw",
    )

    # -- time limits -----------------------------------------------------------------------------
    function_timeout_seconds: int = Field(
        DEFAULT_FUNCTION_TIMEOUT_SECONDS, gt=0, le=3600, description="The deployed function timeout (Terraform)"
    )
    retry_wait_budget_seconds: float | None = Field(
        None,
        ge=0,
        description="Most a run may spend waiting between retries (provider Retry-After, BigQuery retries); "
        "default: half the function timeout, so a run gives up (transient) before the platform kills it",
    )

    # -- HTTP functions --------------------------------------------------------------------------
    max_request_bytes: int = Field(1_048_576, gt=0, description="HTTP functions: largest request body (413 beyond)")
    max_json_depth: int = Field(32, gt=0, le=512, description="HTTP functions: deepest JSON nesting (400 beyond)")

    @model_validator(mode="after")
    def _google_seams_need_a_project(self) -> Settings:
        chosen: dict[str, str] = {
            "warehouse": self.warehouse_backend,
            "secrets": self.secrets_backend,
            "messaging": self.messaging_backend,
        }
        google = [
            f"GENAI_COSTS_{k.upper()}={v}" for k, v in chosen.items() if v in ("bigquery", "secret_manager", "pubsub")
        ]
        if google and not self.gcp_project:
            raise ValueError(f"{', '.join(google)} needs GENAI_COSTS_GCP_PROJECT (the Google Cloud project id)")
        if (
            self.retry_wait_budget_seconds is not None
            and self.retry_wait_budget_seconds >= self.function_timeout_seconds
        ):
            raise ValueError(
                "GENAI_COSTS_RETRY_WAIT_BUDGET_SECONDS must stay below GENAI_COSTS_FUNCTION_TIMEOUT_SECONDS"
            )
        return self

    @property
    def warehouse_backend(self) -> WarehouseBackend:
        return self.warehouse or ("bigquery" if self.gcp_project else "embedded")

    @property
    def secrets_backend(self) -> SecretsBackend:
        return self.secrets or ("secret_manager" if self.gcp_project else "local")

    @property
    def messaging_backend(self) -> MessagingBackend:
        return self.messaging or ("pubsub" if self.gcp_project else "inprocess")

    @property
    def backend(self) -> WarehouseBackend:
        """The warehouse backend (kept for callers that predate the separate seams)."""
        return self.warehouse_backend

    @property
    def retry_wait_budget(self) -> float:
        """Seconds a run may spend waiting between retries, always below the function timeout."""
        if self.retry_wait_budget_seconds is not None:
            return self.retry_wait_budget_seconds
        return self.function_timeout_seconds / 2

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once. Called only at the edges (the
    functions' entry points and the CLI), which pass what the layers below need explicitly."""
    return Settings()
