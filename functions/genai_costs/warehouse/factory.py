"""Pick the backend from settings: BigQuery when a Google project is configured."""

from __future__ import annotations

from ..settings import Settings
from .base import Warehouse


def open_warehouse(settings: Settings) -> Warehouse:
    if settings.gcp_project:  # Settings.backend == "bigquery"
        from .bigquery_backend import BigQueryWarehouse

        return BigQueryWarehouse(project=settings.gcp_project, location=settings.bq_location)
    from .duckdb_backend import DuckDBWarehouse

    # Shared: the file is opened per operation, so other processes (a second run, a report) get their
    # turn between operations instead of failing on DuckDB's one-writer file lock.
    return DuckDBWarehouse(settings.duckdb_path, memory_limit=settings.duckdb_memory_limit, shared=True)
