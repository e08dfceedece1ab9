from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from genai_costs.onboarding import OnboardRequest, onboard
from genai_costs.paths import sql_root
from genai_costs.settings import get_settings
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

OnboardedCopy = Callable[..., Path]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow end-to-end tests first (a stable sort): xdist hands tests out in this order, so the longest
    ones overlap the many short ones instead of running alone at the end of the session."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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


@pytest.fixture(scope="session")
def onboarded_copy(tmp_path_factory) -> OnboardedCopy:
    """``onboarded_copy(dest, *orgs)`` copies an embedded warehouse file with ``orgs`` onboarded to ``dest``.
    Onboarding costs seconds; each set of organizations is onboarded once per worker, then copied (the
    tests of onboarding itself onboard for real)."""
    templates: dict[tuple[Path, tuple[str, ...]], Path] = {}

    def copy(dest: Path, *orgs: str) -> Path:
        key = (sql_root(), orgs)  # a test that points GENAI_COSTS_SQL_DIR elsewhere gets its own
        if key not in templates:
            path = tmp_path_factory.mktemp("onboarded") / "warehouse.duckdb"
            with DuckDBWarehouse(path) as wh:
                for org in orgs:
                    onboard(wh, OnboardRequest(org_slug=org))
            templates[key] = path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(templates[key], dest)
        return dest

    return copy


@pytest.fixture
def acme_warehouse(onboarded_copy: OnboardedCopy, tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    """A warehouse of its own with ``acme`` onboarded (a copy of a file onboarded once per worker)."""
    wh = DuckDBWarehouse(onboarded_copy(tmp_path / "acme.duckdb", "acme"))
    yield wh
    wh.close()


@pytest.fixture
def acme_onboarded(onboarded_copy: OnboardedCopy) -> Path:
    """``acme`` onboarded in the warehouse file of this test's data directory (the one the entry points
    and the CLI open), copied like ``acme_warehouse``."""
    return onboarded_copy(get_settings().duckdb_path, "acme")
