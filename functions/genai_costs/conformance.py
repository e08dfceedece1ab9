"""Conformance checks we own, in ``sql/checks/*.sql``: each returns the rows that violate it
(``row_id``, ``violation``) for a window. Run by the tests and after every consolidation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .model.window import Window
from .paths import sql_root
from .warehouse.base import Warehouse
from .warehouse.sqlfiles import read_single_statement


@dataclass(frozen=True)
class CheckResult:
    name: str
    violations: int
    sample: str | None


def check_files(root: Path | None = None) -> list[Path]:
    return sorted(((root or sql_root()) / "checks").glob("*.sql"))


def run_conformance_checks(warehouse: Warehouse, dataset: str, window: Window) -> list[CheckResult]:
    params = {"p_start_date": window.start, "p_end_date": window.end}
    results = []
    for path in check_files():
        rows = warehouse.query(dataset, read_single_statement(path), params)
        sample = f"{rows[0]['row_id']}: {rows[0]['violation']}" if rows else None
        results.append(CheckResult(path.stem, len(rows), sample))
    return results
