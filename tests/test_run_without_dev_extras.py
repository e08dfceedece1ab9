"""`make run` on a fresh checkout installs only the runtime and the `cli` extra (no test or lint
tools, so boto3 resolves to the newest release rather than the one checkov pins), and runs the main
job to the end with all six providers landing rows, AWS Bedrock included."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from genai_costs.providers.ids import PROVIDERS

REPO = Path(__file__).resolve().parents[1]
NOT_COPIED = {".git", ".venv", ".data", "dist", ".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__"}
DEV_ONLY = {"pytest", "ruff", "mypy", "checkov", "python-hcl2", "psutil", "playwright"}


def _checkout(dest: Path) -> Path:
    """The repository as a fresh clone has it: no virtualenv, no data, no build output."""
    ignore = shutil.ignore_patterns(*NOT_COPIED, "*.egg-info", "*.pyc")
    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
    return dest


@pytest.mark.slow
def test_make_run_from_an_install_without_dev_extras(tmp_path: Path):
    if shutil.which("make") is None:
        pytest.fail("make is not installed: `make run` is how a user starts")
    checkout = _checkout(tmp_path / "checkout")
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "GENAI_COSTS_", "PIP_"))}
    run = subprocess.run(
        ["make", "run", f"PYTHON={sys.executable}", f"DATA={data}"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, f"make run failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"

    venv = checkout / ".venv" / "bin"
    listed = subprocess.run(
        [str(venv / "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {line.split("==")[0].lower(): line.split("==")[1] for line in listed.splitlines() if "==" in line}
    assert not DEV_ONLY & set(installed), f"make run installed dev tools: {sorted(DEV_ONLY & set(installed))}"
    assert not (checkout / ".venv" / "checkov").exists()
    # boto3's CloudWatch protocol since botocore 1.43 is awsJson1_0, which the simulator once lacked.
    assert tuple(int(x) for x in installed["botocore"].split(".")[:2]) >= (1, 43), installed["botocore"]

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute("SELECT provider, flow, status, error FROM demo_prod.genai_ingestion_runs").fetchall()
        usage = {p: con.execute(f"SELECT COUNT(*) FROM demo_prod.genai_payg_{p}_usage").fetchone() for p in PROVIDERS}
        costed = dict(
            con.execute(
                "SELECT provider, COUNT(*) FROM demo_prod.genai_costs_daily_unified WHERE flow = 'payg' GROUP BY 1"
            ).fetchall()
        )
        focus = con.execute("SELECT COUNT(*) FROM demo_prod.cost_data_standard_1_3").fetchone()[0]
    assert [r for r in runs if r[2] not in ("started", "succeeded")] == [], "no run fails"
    assert {p for p, flow, status, _ in runs if flow == "payg" and status == "succeeded"} == set(PROVIDERS)
    assert all(usage[p][0] > 0 for p in PROVIDERS), f"usage rows per provider: {usage}"
    assert set(costed) == set(PROVIDERS) and all(costed.values()), f"unified cost rows per provider: {costed}"
    assert focus > 0
    assert (data / "reports" / "demo.html").is_file()


def test_the_command_without_the_cli_extra_says_what_to_install():
    """An install of the runtime alone (what the functions get) has no typer: the command says so
    in one line instead of a traceback."""
    hide_typer = "import runpy, sys; sys.modules['typer'] = None; runpy.run_module('genai_costs_cli', run_name='m')"
    result = subprocess.run([sys.executable, "-c", hide_typer, "--help"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "genai-costs: typer is not installed; the command needs the 'cli' extra: pip install -e '.[cli]'"
    )
