"""One embedded run of the whole job (`genai-costs run`: six providers' pay-as-you-go usage,
Azure PTU / Bedrock provisioned throughput / Vertex GSU commitments and Vertex GPU hours, through
sp_genai_1..3), shared by every FOCUS conformance test, and its FOCUS tables exported to Parquet."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from genai_costs.model.window import Window
from genai_costs.orgs import dataset_for
from genai_costs.periods import PeriodRequest, PeriodStore
from genai_costs.pricing.corrections import reprice
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs_cli.local.pipeline import run_local_pipeline

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tools.focus_validator.environment import currency_codes_file, ensure_environment  # noqa: E402
from tools.focus_validator.export import export_focus_tables  # noqa: E402

ORG = "demo"
# A fixed, past window (deterministic) of 12 days across a month end. The simulator places its
# commitments relative to the window start, so it holds all four: a PTU deployment running
# throughout, a GSU order starting on day 3, a Bedrock provisioned model expiring mid-window
# and another starting mid-window (partial hours at both ends), plus GPU endpoint hours.
TODAY = dt.date(2026, 11, 3)
DAYS = 12
ARTIFACTS = REPO / "build" / "focus-validator"


@dataclass(frozen=True)
class FocusRun:
    warehouse_file: Path
    dataset: str
    window: Window


@pytest.fixture(scope="session")
def focus_run(tmp_path_factory) -> FocusRun:
    data_dir = tmp_path_factory.mktemp("focus_run") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENAI_COSTS_DATA_DIR", str(data_dir))
        mp.delenv("GENAI_COSTS_GCP_PROJECT", raising=False)
        mp.delenv("GENAI_COSTS_SECRET_KEY", raising=False)
        get_settings.cache_clear()
        try:
            run = run_local_pipeline(ORG, days=DAYS, today=TODAY, console=Console(file=io.StringIO()))
        finally:
            get_settings.cache_clear()
    assert run.dead_letters == 0 and {r["status"] for r in run.runs} == {"succeeded"}, run.runs
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENAI_COSTS_DATA_DIR", str(data_dir))
        mp.delenv("GENAI_COSTS_GCP_PROJECT", raising=False)
        get_settings.cache_clear()
        try:
            with open_warehouse(get_settings()) as wh:
                _correct_a_closed_month(wh)
        finally:
            get_settings.cache_clear()
    return FocusRun(data_dir / "warehouse.duckdb", dataset_for(ORG), run.window)


def _correct_a_closed_month(wh) -> None:
    """October closed, then the input price of its most expensive priced row raised 10 %: the FOCUS table
    then holds ChargeClass 'Correction' rows too, and the validator sees them."""
    dataset = dataset_for(ORG)
    now = dt.datetime.combine(TODAY, dt.time(12), dt.UTC)
    PeriodStore(wh, ORG, now=now).close(PeriodRequest(org_slug=ORG, month=dt.date(2026, 10, 1), actor="test"))
    (row,) = wh.query(
        dataset,
        "SELECT p.* FROM llm_model_pricing AS p JOIN (SELECT pricing_id FROM genai_costs_daily_unified "
        "WHERE usage_date >= DATE '2026-10-01' AND usage_date < DATE '2026-11-01' AND flow = 'payg' "
        "AND cost_status = 'priced' AND token_type = 'input' ORDER BY cost_usd DESC LIMIT 1) AS u USING (pricing_id)",
    )
    wh.execute(
        dataset,
        "UPDATE llm_model_pricing SET input_price_per_1k = input_price_per_1k * 1.1 WHERE pricing_id = @p_id",
        {"p_id": row["pricing_id"]},
    )
    assert reprice(wh, ORG, [row], today=TODAY).corrections_written > 0


@pytest.fixture(scope="session")
def focus_parquet(focus_run) -> dict[str, Path]:
    """``cost_data_standard_1_3`` and ``contract_commitment_1_3`` as Parquet, kept in build/."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    return export_focus_tables(focus_run.warehouse_file, focus_run.dataset, ARTIFACTS)


@dataclass(frozen=True)
class Validator:
    executable: Path
    currency_codes: Path


@pytest.fixture(scope="session")
def validator() -> Validator:
    executable = ensure_environment()
    if executable is None:
        pytest.skip("Python 3.12 not found (python3.12 on PATH or a pyenv 3.12.x): focus-validator 2.2.1 needs it")
    return Validator(executable, currency_codes_file())


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """build/focus-validator: the Parquet files, the validator's JUnit reports and summary.json."""
    return ARTIFACTS


# Rules run / passed / failed / skipped per dataset, shown at the end of the session.
SUMMARY: dict[str, dict] = {}


@pytest.fixture(scope="session")
def record_summary():
    def record(dataset: str, figures: dict) -> None:
        SUMMARY[dataset] = figures
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "summary.json").write_text(json.dumps(SUMMARY, indent=2, sort_keys=True))

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    if not SUMMARY:
        return
    terminalreporter.section("FOCUS 1.3 conformance (focus-validator 2.2.1)")
    for dataset, f in sorted(SUMMARY.items()):
        terminalreporter.write_line(
            f"{dataset}: {f['run']} rules run, {f['passed']} passed, {f['failed']} failed, {f['skipped']} skipped"
            f" (failed: {f['known_false_failures']} known validator false failures, {f['pending_fix']} pending fix,"
            f" {f['composites_of_those']} composites failing only through those, {f['unexpected']} unexpected)"
            f" in {f['seconds']:.1f}s"
        )
    terminalreporter.write_line(f"reports: {ARTIFACTS}")
