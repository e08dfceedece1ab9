"""Pick the warehouse from settings: the ``warehouse`` seam (BigQuery at any API endpoint, or DuckDB)."""

from __future__ import annotations

from ..errors import ConfigurationError
from ..settings import Settings
from .base import Warehouse


def open_warehouse(settings: Settings) -> Warehouse:
    if settings.warehouse_backend == "bigquery":
        from .bigquery_backend import BigQueryWarehouse

        return BigQueryWarehouse(
            project=_project(settings),
            location=settings.bq_location,
            api_endpoint=settings.bigquery_api_endpoint,
            anonymous=settings.bigquery_credentials == "anonymous",
            retry_deadline=settings.retry_wait_budget,
        )
    from .duckdb_backend import DuckDBWarehouse

    # Shared: the file is opened per operation, so other processes (a second run, a report) get their
    # turn between operations instead of failing on DuckDB's one-writer file lock.
    return DuckDBWarehouse(settings.duckdb_path, memory_limit=settings.duckdb_memory_limit, shared=True)


def _project(settings: Settings) -> str:
    if not settings.gcp_project:  # Settings already refuses this; kept for a hand-built Settings
        raise ConfigurationError("a Google Cloud seam needs GENAI_COSTS_GCP_PROJECT")
    return settings.gcp_project
