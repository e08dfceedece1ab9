"""The transpiled-SQL cache on disk: what a second process reads is exactly what it would compute,
an entry from another transpiler version is never read, and a damaged entry is recomputed."""

from __future__ import annotations

import json

import pytest

from genai_costs.warehouse import sqlcache
from genai_costs.warehouse.transpile import to_duckdb

STATEMENT = "SELECT SAFE_DIVIDE(cost, @p_days) AS daily FROM t WHERE day BETWEEN @p_start AND @p_end"


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_COSTS_SQL_CACHE_DIR", str(tmp_path / "sql"))
    sqlcache.duckdb_sql.cache_clear()
    yield tmp_path / "sql"
    sqlcache.duckdb_sql.cache_clear()


def entries(root):
    return sorted(root.rglob("*.json"))


def test_a_new_process_reads_what_it_would_compute(cache_root):
    first = sqlcache.duckdb_sql(STATEMENT)
    (path,) = entries(cache_root)
    sqlcache.duckdb_sql.cache_clear()  # a new process: only the disk remembers
    assert sqlcache.duckdb_sql(STATEMENT) == first
    sql, names = to_duckdb(sqlcache.parsed(STATEMENT))
    assert first == (sql, tuple(names))
    assert json.loads(path.read_text())["sql"] == sql


def test_the_disk_entry_is_what_is_served(cache_root):
    sqlcache.duckdb_sql(STATEMENT)
    (path,) = entries(cache_root)
    path.write_text(json.dumps({"sql": "SELECT 42", "placeholders": []}))
    sqlcache.duckdb_sql.cache_clear()
    # The key holds the statement and the transpiler's version: only this text maps to this file.
    assert sqlcache.duckdb_sql(STATEMENT) == ("SELECT 42", ())


def test_another_transpiler_version_never_reads_an_old_entry(cache_root, monkeypatch):
    sqlcache.duckdb_sql(STATEMENT)
    monkeypatch.setattr(sqlcache, "_transpiler_version", lambda: "a-newer-sqlglot")
    sqlcache.duckdb_sql.cache_clear()
    sqlcache.duckdb_sql(STATEMENT)
    assert len(entries(cache_root)) == 2


def test_procedure_parameters_are_part_of_the_key(cache_root):
    body = "SELECT cost / p_days AS daily FROM t"  # in a procedure, p_days is its parameter
    as_query = sqlcache.duckdb_sql(body)
    in_procedure = sqlcache.duckdb_sql(body, frozenset({"p_days"}))
    assert as_query != in_procedure and len(entries(cache_root)) == 2


@pytest.mark.parametrize("damage", ["", "{not json", json.dumps({"sql": 1, "placeholders": []}), "[]"])
def test_a_damaged_entry_is_recomputed(cache_root, damage):
    expected = sqlcache.duckdb_sql(STATEMENT)
    (path,) = entries(cache_root)
    path.write_text(damage)
    sqlcache.duckdb_sql.cache_clear()
    assert sqlcache.duckdb_sql(STATEMENT) == expected
    assert json.loads(path.read_text())["sql"] == expected[0]


def test_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_COSTS_SQL_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    sqlcache.duckdb_sql.cache_clear()
    sqlcache.duckdb_sql(STATEMENT)
    sqlcache.duckdb_sql.cache_clear()
    assert not list(tmp_path.rglob("*.json"))
