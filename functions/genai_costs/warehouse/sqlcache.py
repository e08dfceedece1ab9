"""Parsed and transpiled SQL, cached per process and on disk, keyed by the statement's text.

Parsing a procedure body with sqlglot and transpiling it to DuckDB costs 0.1-0.4 s of CPU per
procedure: as much as consolidating a short window. A warm function instance or a long-lived
embedded process runs the same files again and again, so each distinct statement text is parsed
and transpiled once. The key is the text itself (not a path): an edited file is a new key, and a
stale result can never be served.

Every embedded command is a new process (`genai-costs report`, a pipeline run, onboarding), so the
DuckDB text is also kept on disk: ``GENAI_COSTS_SQL_CACHE_DIR``, by default
``$XDG_CACHE_HOME/genai-costs/sql`` (``~/.cache/...``); ``off`` turns it off. A file's name is the
SHA-256 of the statement, the procedure parameters, sqlglot's version and the transpiler's own
source, so a new sqlglot or an edited fix-up never reads an old result. The cache is only ever
written, never trusted blindly: an unreadable or malformed entry is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache, lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp

from . import transpile
from .sqlfiles import parse_bigquery
from .transpile import to_duckdb


@lru_cache(maxsize=1024)
def parsed(statement: str) -> exp.Expression:
    """The BigQuery parse tree of ``statement``. Shared: callers must copy before changing it."""
    return parse_bigquery(statement)


@lru_cache(maxsize=1024)
def duckdb_sql(statement: str, procedure_params: frozenset[str] = frozenset()) -> tuple[str, tuple[str, ...]]:
    """DuckDB SQL for one BigQuery statement and the placeholder names it binds."""
    path = _disk_entry(statement, procedure_params)
    if path is not None:
        found = _read(path)
        if found is not None:
            return found
    sql, names = to_duckdb(parsed(statement), procedure_params=procedure_params)
    result = sql, tuple(names)
    if path is not None:
        _write(path, result)
    return result


def cache_dir() -> Path | None:
    """Where transpiled statements are kept between processes, or None when the cache is off."""
    configured = os.environ.get("GENAI_COSTS_SQL_CACHE_DIR", "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "genai-costs" / "sql"


@cache
def _transpiler_version() -> str:
    source = Path(transpile.__file__).read_bytes()
    return hashlib.sha256(sqlglot.__version__.encode() + b"\0" + source).hexdigest()


def _disk_entry(statement: str, procedure_params: frozenset[str]) -> Path | None:
    root = cache_dir()
    if root is None:
        return None
    key = hashlib.sha256(
        "\0".join([_transpiler_version(), ",".join(sorted(procedure_params)), statement]).encode()
    ).hexdigest()
    return root / key[:2] / f"{key}.json"


def _read(path: Path) -> tuple[str, tuple[str, ...]] | None:
    try:
        entry = json.loads(path.read_text())
        sql, names = entry["sql"], entry["placeholders"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(sql, str) or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return sql, tuple(names)


def _write(path: Path, result: tuple[str, tuple[str, ...]]) -> None:
    """Best effort and atomic (write, then rename): a read-only or full disk only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as fh:
            json.dump({"sql": result[0], "placeholders": list(result[1])}, fh)
        os.replace(fh.name, path)
    except OSError:
        return
