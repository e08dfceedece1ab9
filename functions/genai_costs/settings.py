"""Typed settings from the environment (prefix ``GENAI_COSTS_``).

No Google project configured means the embedded default: DuckDB, the local sealed secret
store and the in-process bus. Setting ``GENAI_COSTS_GCP_PROJECT`` switches every seam to its
Google Cloud implementation.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Days a run without an explicit window re-pulls, because providers revise recent days.
DEFAULT_TRAILING_DAYS = 3
# Cloud Functions gen2 event-driven functions run at most 540 s; Terraform passes the deployed value.
DEFAULT_FUNCTION_TIMEOUT_SECONDS = 540


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
    usage_events_topic: str = Field(
        "genai-usage-events",
        pattern=r"^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$",
        description="record_usage: the Pub/Sub topic (id, in the same project) whose BigQuery subscription "
        "appends to genai_usage_events_raw",
    )
    function_timeout_seconds: int = Field(
        DEFAULT_FUNCTION_TIMEOUT_SECONDS, gt=0, le=3600, description="The deployed function timeout (Terraform)"
    )

    @property
    def backend(self) -> Literal["bigquery", "embedded"]:
        return "bigquery" if self.gcp_project else "embedded"

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once. Called only at the edges (the
    functions' entry points and the CLI), which pass what the layers below need explicitly."""
    return Settings()
