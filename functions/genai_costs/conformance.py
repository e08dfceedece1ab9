"""Conformance checks we own, in ``sql/checks/*.sql``: each returns the rows that violate it
(``row_id``, ``violation``) for a window. Run by the tests, and inside every consolidation's
transaction as one assertion (:func:`conformance_assertion`) so that a failing check rolls back
what the procedures wrote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from .model.window import Window
from .paths import sql_root
from .warehouse.base import Warehouse
from .warehouse.sqlfiles import load_statement, read_single_statement

VIOLATIONS_SLOT = "check_violations"


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


def _as_query(tree: exp.Expression) -> exp.Query:
    if not isinstance(tree, exp.Query):
        raise TypeError(f"a conformance check must be a query, not {type(tree).__name__}")
    return tree


def conformance_assertion(root: Path | None = None) -> exp.Expression:
    """``sql/statements/conformance_assert.sql`` over every check: a statement that raises an error
    naming each failing check (count and an example row) and selects 0 when all pass. Its
    ``@p_start_date`` / ``@p_end_date`` are the checks' window."""
    root = root or sql_root()
    named = [
        exp.select(
            exp.Literal.string(path.stem).as_("check_name"),
            exp.cast(exp.column("row_id"), exp.DataType.build("STRING")).as_("row_id"),
            exp.cast(exp.column("violation"), exp.DataType.build("STRING")).as_("violation"),
        ).from_(_as_query(read_single_statement(path).parsed()).subquery("checked"))
        for path in check_files(root)
    ]
    union: exp.Query = named[0]
    for select in named[1:]:
        union = exp.union(union, select, distinct=False)
    tree = load_statement(root, "conformance_assert").parsed().copy()
    for table in tree.find_all(exp.Table):
        if table.name == VIOLATIONS_SLOT and not table.args.get("db"):
            table.replace(union.subquery(VIOLATIONS_SLOT))
    return tree
