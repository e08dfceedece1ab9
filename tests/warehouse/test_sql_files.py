"""Every file in sql/ is valid BigQuery SQL and runs on the embedded engine unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from genai_costs.paths import sql_root
from genai_costs.warehouse.sqlfiles import (
    is_transaction_control,
    parse_procedure,
    parse_table_function,
    read_single_statement,
    read_view,
    split_statements,
    strip_comments,
)
from genai_costs.warehouse.transpile import to_duckdb

ROOT = Path(__file__).resolve().parents[2] / "sql"
SQL_FILES = sorted(p for p in ROOT.rglob("*.sql"))


def test_sql_root_is_the_repo_tree():
    assert sql_root() == ROOT


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_sql_file_parses_as_bigquery(path: Path):
    if path.parent.name == "procedures":
        proc = parse_procedure(path)
        assert proc.statements, "empty procedure body"
        trees = proc.parsed()
        for tree in trees:
            if not is_transaction_control(tree):
                to_duckdb(tree, procedure_params=proc.param_types)
        return
    if path.parent.name == "functions":
        fn = parse_table_function(path)
        assert fn.params, "a table function takes the window parameters"
        to_duckdb(fn.parsed())
        return
    for statement in split_statements(strip_comments(path.read_text())):
        tree = sqlglot.parse_one(statement, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
        to_duckdb(tree)


@pytest.mark.parametrize("path", sorted((ROOT / "views").glob("*.sql")), ids=lambda p: p.name)
def test_view_files_are_named_after_their_view(path):
    assert read_view(path).name == path.stem


@pytest.mark.parametrize("path", sorted((ROOT / "statements").glob("*.sql")), ids=lambda p: p.name)
def test_statement_files_hold_one_statement(path):
    read_single_statement(path)


def test_no_string_formatting_slots_in_sql():
    """Values reach SQL as parameters, identifiers through the AST: no {name} / %s templates."""
    import re

    for path in SQL_FILES:
        text = path.read_text()
        assert not re.search(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\(?\w*\)?s\b", text), (
            f"{path.name}: looks like a format template"
        )


def test_splitter_keeps_semicolons_inside_strings():
    assert split_statements("SELECT 'a;b'; SELECT 2") == ["SELECT 'a;b'", "SELECT 2"]


@pytest.mark.parametrize("path", sorted((ROOT / "procedures").glob("*.sql")), ids=lambda p: p.name)
def test_money_is_never_divided_outside_a_numeric_cast(path):
    """DuckDB divides DECIMALs in floating point; BigQuery keeps NUMERIC. A division in a
    procedure must be cast straight back to NUMERIC (or be a SAFE_DIVIDE ratio), so both engines
    agree to 9 decimals; multiply by exact reciprocals (0.000001) instead wherever possible."""
    from sqlglot import exp

    for tree in parse_procedure(path).parsed():
        for div in tree.find_all(exp.Div):
            cast = div.parent
            while isinstance(cast, exp.Paren):
                cast = cast.parent
            assert isinstance(cast, exp.Cast) and cast.to.this in (exp.DataType.Type.DECIMAL,), (
                f"{path.name}: division {div.sql('bigquery')} is not cast back to NUMERIC"
            )
