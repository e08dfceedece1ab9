"""The BigQuery-semantics check: sql/ analyzed once per session by ZetaSQL (tools/sql_analyzer)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SQL_ROOT = REPO / "sql"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tools.sql_analyzer.checker import Report, check  # noqa: E402


@pytest.fixture(scope="session")
def sql_report() -> Report:
    """Every file under sql/, analyzed once (about 5 s; the first run on a machine also compiles the
    WebAssembly module, about 30 s of CPU, which wasmtime caches for later runs)."""
    return check(SQL_ROOT)
