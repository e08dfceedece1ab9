from __future__ import annotations

import pytest

from genai_costs.settings import get_settings
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """Every test runs embedded, with its own data directory and no Google project."""
    monkeypatch.setenv("GENAI_COSTS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GENAI_COSTS_GCP_PROJECT", raising=False)
    monkeypatch.delenv("GENAI_COSTS_SECRET_KEY", raising=False)
    monkeypatch.delenv("GENAI_COSTS_SCHEMA_OWNER", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def warehouse():
    wh = DuckDBWarehouse(":memory:")
    yield wh
    wh.close()
