"""Reading the BigQuery-dialect files in ``sql/``.

Kinds of file, one statement or procedure per file:
- ``sql/procedures/sp_*.sql``: ``CREATE OR REPLACE PROCEDURE name(p_x TYPE, ...) BEGIN ... END;``
  whose body is plain statements (DELETE / INSERT / MERGE / UPDATE / CREATE TEMP TABLE), never
  BEGIN/COMMIT TRANSACTION: the caller runs them inside its own transaction (several procedures
  and checks in one), and BigQuery transactions do not nest. Parameters are ``p_``-prefixed so
  they can never be mistaken for columns.
- ``sql/views/*.sql``: ``CREATE OR REPLACE VIEW name AS ...``.
- ``sql/functions/*.sql``: ``CREATE OR REPLACE TABLE FUNCTION name(p_x TYPE, ...) AS SELECT ...;``: one
  job of a procedure (rows it writes), parameterized like the procedures and read by them with
  ``FROM name(p_x, ...)``. Embedded they become DuckDB table macros.
- ``sql/statements/*.sql``: a single statement with ``@p_x`` named query parameters.
Table names are unqualified: every job runs with the organization's dataset as default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from ..errors import ConfigurationError

_PROC_HEADER = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+PROCEDURE\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"\((?P<params>[^)]*)\)\s*BEGIN\b(?P<body>.*)\bEND\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_PARAM = re.compile(r"^\s*(?P<name>p_[a-z0-9_]+)\s+(?P<type>STRING|DATE|INT64|NUMERIC|TIMESTAMP|BOOL)\s*$", re.I)
_FUNCTION_HEADER = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+TABLE\s+FUNCTION\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"\((?P<params>[^)]*)\)\s*AS\b(?P<body>.*?);?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_VIEW_NAME = re.compile(r"^\s*CREATE\s+OR\s+REPLACE\s+VIEW\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+AS\b", re.I)


def strip_comments(sql: str) -> str:
    """Drop ``--`` line comments (outside string literals) so headers can be matched."""
    out = []
    for line in sql.splitlines():
        in_str: str | None = None
        cut = len(line)
        for i, ch in enumerate(line):
            if in_str:
                if ch == in_str:
                    in_str = None
            elif ch in ("'", '"', "`"):
                in_str = ch
            elif line.startswith("--", i) or ch == "#":
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


def split_statements(sql: str) -> list[str]:
    """Split on top-level semicolons using sqlglot's BigQuery tokenizer (strings stay intact)."""
    tokens = sqlglot.Dialect.get_or_raise("bigquery").tokenize(sql)
    statements, start = [], 0
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            chunk = sql[start : tok.start].strip()
            if chunk:
                statements.append(chunk)
            start = tok.end + 1
    tail = sql[start:].strip()
    if tail:
        statements.append(tail)
    return statements


def parse_bigquery(statement: str) -> exp.Expression:
    tree = sqlglot.parse_one(statement, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
    if not isinstance(tree, exp.Expression):  # parse_one is typed as sqlglot's wider base class
        raise ConfigurationError(f"not a SQL statement: {statement[:60]!r}")
    return tree


def is_transaction_control(node: exp.Expression) -> bool:
    return isinstance(node, (exp.Transaction, exp.Commit, exp.Rollback))


@dataclass(frozen=True)
class ProcedureParam:
    name: str
    type: str


@dataclass(frozen=True)
class Procedure:
    name: str
    params: tuple[ProcedureParam, ...]
    body: str  # the text between BEGIN and END, as deployed to BigQuery
    statements: tuple[str, ...]
    path: Path

    @property
    def param_types(self) -> dict[str, str]:
        return {p.name: p.type for p in self.params}

    def parsed(self) -> list[exp.Expression]:
        return [parse_bigquery(s) for s in self.statements]


@dataclass(frozen=True)
class SqlFile:
    name: str
    text: str
    path: Path

    def parsed(self) -> exp.Expression:
        return parse_bigquery(self.text)


@dataclass(frozen=True)
class TableFunction:
    """A table-valued function: one SELECT with ``p_``-prefixed parameters."""

    name: str
    params: tuple[ProcedureParam, ...]
    body: str  # the query after AS
    path: Path

    @property
    def param_types(self) -> dict[str, str]:
        return {p.name: p.type for p in self.params}

    def parsed(self) -> exp.Expression:
        return parse_bigquery(self.body)


def _params(path: Path, raw_params: str) -> tuple[ProcedureParam, ...]:
    params = []
    for raw in filter(None, (p.strip() for p in raw_params.split(","))):
        pm = _PARAM.match(raw)
        if not pm:
            raise ConfigurationError(f"{path.name}: parameter {raw!r} must be 'p_name TYPE'")
        params.append(ProcedureParam(pm["name"].lower(), pm["type"].upper()))
    return tuple(params)


def parse_procedure(path: Path) -> Procedure:
    text = path.read_text()
    match = _PROC_HEADER.match(strip_comments(text))
    if not match:
        raise ConfigurationError(f"{path.name}: expected CREATE OR REPLACE PROCEDURE name(...) BEGIN ... END;")
    body = match["body"].strip()
    statements = tuple(split_statements(body))
    if any(is_transaction_control(parse_bigquery(s)) for s in statements):
        raise ConfigurationError(
            f"{path.name}: a procedure must not BEGIN/COMMIT a transaction; its caller runs it inside one "
            "(BigQuery transactions do not nest)"
        )
    return Procedure(match["name"], _params(path, match["params"]), body, statements, path)


def parse_table_function(path: Path) -> TableFunction:
    match = _FUNCTION_HEADER.match(strip_comments(path.read_text()))
    if not match or match["name"] != path.stem:
        raise ConfigurationError(f"{path.name}: expected CREATE OR REPLACE TABLE FUNCTION {path.stem}(...) AS ...")
    body = match["body"].strip()
    if len(split_statements(body)) != 1:
        raise ConfigurationError(f"{path.name}: a table function is exactly one query")
    return TableFunction(match["name"], _params(path, match["params"]), body, path)


def read_single_statement(path: Path) -> SqlFile:
    text = path.read_text().strip()
    statements = split_statements(strip_comments(text))
    if len(statements) != 1:
        raise ConfigurationError(f"{path.name}: expected exactly one statement, found {len(statements)}")
    return SqlFile(path.stem, statements[0], path)


def read_view(path: Path) -> SqlFile:
    view = read_single_statement(path)
    match = _VIEW_NAME.match(view.text)
    if not match or match["name"] != path.stem:
        raise ConfigurationError(f"{path.name}: expected CREATE OR REPLACE VIEW {path.stem} AS ...")
    return view


@lru_cache(maxsize=8)
def load_procedures(sql_root: Path) -> dict[str, Procedure]:
    procs = [parse_procedure(p) for p in sorted((sql_root / "procedures").glob("*.sql"))]
    return {p.name: p for p in procs}


@lru_cache(maxsize=8)
def load_table_functions(sql_root: Path) -> dict[str, TableFunction]:
    """Every table function, each after the ones it calls (both engines check a body's references when
    the function is created, so genai_costs_payg must follow genai_costs_engine_payg)."""
    pending = {f.name: f for f in (parse_table_function(p) for p in sorted((sql_root / "functions").glob("*.sql")))}
    ordered: dict[str, TableFunction] = {}
    while pending:
        ready = [
            name
            for name, function in pending.items()
            if not any(re.search(rf"\b{other}\s*\(", function.body) for other in pending if other != name)
        ]
        if not ready:
            raise ConfigurationError(f"table functions call each other in a cycle: {sorted(pending)}")
        for name in ready:
            ordered[name] = pending.pop(name)
    return ordered


@lru_cache(maxsize=8)
def load_views(sql_root: Path) -> dict[str, SqlFile]:
    """Every view, in creation order: a view comes after the views it reads (DuckDB binds a view's
    query when it is created; the union views over the raw tables come first)."""
    views = {v.name: v for v in (read_view(p) for p in sorted((sql_root / "views").glob("*.sql")))}
    reads = {
        name: {t.name for t in view.parsed().expression.find_all(exp.Table)} & set(views) - {name}
        for name, view in views.items()
    }
    ordered: dict[str, SqlFile] = {}
    while len(ordered) < len(views):
        ready = [n for n in views if n not in ordered and reads[n] <= set(ordered)]
        if not ready:
            raise ConfigurationError(f"views read each other in a cycle: {sorted(set(views) - set(ordered))}")
        ordered.update((n, views[n]) for n in ready)
    return ordered


@lru_cache(maxsize=64)
def load_statement(sql_root: Path, name: str) -> SqlFile:
    return read_single_statement(sql_root / "statements" / f"{name}.sql")
