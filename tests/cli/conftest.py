"""One small simulated organization for the report tests, built once per session through the same
path `genai-costs run` takes (simulator -> ingestion -> consolidation)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from genai_costs.settings import get_settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "report"
TODAY = dt.datetime.now(dt.UTC).date()
DAYS = 4


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    from genai_costs_cli.local.pipeline import run_local_pipeline

    data = tmp_path_factory.mktemp("demo") / "data"
    saved = {k: os.environ.get(k) for k in ("GENAI_COSTS_DATA_DIR", "GENAI_COSTS_GCP_PROJECT", "GENAI_COSTS_LOG_LEVEL")}
    os.environ["GENAI_COSTS_DATA_DIR"] = str(data)
    os.environ.pop("GENAI_COSTS_GCP_PROJECT", None)
    os.environ["GENAI_COSTS_LOG_LEVEL"] = "WARNING"
    get_settings.cache_clear()
    try:
        run = run_local_pipeline("demo", days=DAYS, today=TODAY)
        assert all(r["status"] == "succeeded" for r in run.runs), run.runs
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
    return data


@pytest.fixture
def demo_env(demo_data, monkeypatch) -> Path:
    """This test reads the demo organization's data."""
    monkeypatch.setenv("GENAI_COSTS_DATA_DIR", str(demo_data))
    get_settings.cache_clear()
    return demo_data


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """build/report: the report's screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
