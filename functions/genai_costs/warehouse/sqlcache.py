"""Parsed and transpiled SQL, cached per process and keyed by the statement's text.

Parsing a procedure body with sqlglot and transpiling it to DuckDB costs 0.1-0.4 s of CPU per
procedure: as much as consolidating a short window. A warm function instance or a long-lived
embedded process runs the same files again and again, so each distinct statement text is parsed
and transpiled once. The key is the text itself (not a path): an edited file is a new key, and a
stale result can never be served.
"""

from __future__ import annotations

from functools import lru_cache

from sqlglot import exp

from .sqlfiles import parse_bigquery
from .transpile import to_duckdb


@lru_cache(maxsize=1024)
def parsed(statement: str) -> exp.Expression:
    """The BigQuery parse tree of ``statement``. Shared: callers must copy before changing it."""
    return parse_bigquery(statement)


@lru_cache(maxsize=1024)
def duckdb_sql(statement: str, procedure_params: frozenset[str] = frozenset()) -> tuple[str, tuple[str, ...]]:
    """DuckDB SQL for one BigQuery statement and the placeholder names it binds."""
    sql, names = to_duckdb(parsed(statement), procedure_params=procedure_params)
    return sql, tuple(names)
