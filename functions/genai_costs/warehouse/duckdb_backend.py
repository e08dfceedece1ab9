"""Embedded backend: one DuckDB file; each organization dataset is a DuckDB schema.

Runs the very same BigQuery-dialect files through :mod:`.transpile`. Loads go through a
newline-delimited JSON file, like a BigQuery load job. Nothing is ever downloaded: only the
extensions statically linked into the wheel (json, parquet, icu) are used.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from ..errors import WarehouseError
from .base import Param, Params, Warehouse, typed
from .identifiers import bind_identifiers
from .rows import ndjson_file
from .sqlcache import duckdb_sql, parsed
from .sqlfiles import Procedure, SqlFile, TableFunction, is_transaction_control
from .tables import FieldSpec, TableSpec
from .transpile import to_duckdb

_SCALAR_TYPES = {
    "STRING": "VARCHAR",
    "INT64": "BIGINT",
    "NUMERIC": "DECIMAL(38, 9)",
    "BIGNUMERIC": "DECIMAL(38, 18)",
    "FLOAT64": "DOUBLE",
    "BOOL": "BOOLEAN",
    "DATE": "DATE",
    "DATETIME": "TIMESTAMP",
    "TIMESTAMP": "TIMESTAMPTZ",
    "JSON": "JSON",
}
_ROUTINES_TABLE = "_embedded_routines"


def duckdb_type(field: FieldSpec) -> str:
    if field.type == "RECORD":
        inner = ", ".join(f"{_quote(f.name)} {duckdb_type(f)}" for f in field.fields or [])
        base = f"STRUCT({inner})"
    else:
        base = _SCALAR_TYPES[field.type]
    return f"{base}[]" if field.mode == "REPEATED" else base


def _quote(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _literal(text: str) -> str:
    return exp.Literal.string(text).sql("duckdb")


class DuckDBWarehouse(Warehouse):
    backend = "embedded"

    def __init__(self, path: Path | str = ":memory:", *, memory_limit: str | None = None) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(str(path))
        # BigQuery computes in UTC; DuckDB would truncate TIMESTAMPTZ in the local zone.
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute("SET autoinstall_known_extensions = false")
        self._con.execute("SET autoload_known_extensions = false")
        if memory_limit:  # validated by Settings; large windows then spill to disk instead of RAM
            self._con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        self._lock = threading.RLock()

    # -- datasets and tables ------------------------------------------------------------
    def dataset_exists(self, dataset: str) -> bool:
        row = self._con.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $s", {"s": dataset}
        ).fetchone()
        return bool(row and row[0])

    def create_dataset(self, dataset: str, *, description: str) -> bool:
        with self._lock:
            if self.dataset_exists(dataset):
                return False
            self._con.execute(f"CREATE SCHEMA {_quote(dataset)}")
            self._con.execute(
                f"CREATE TABLE {_quote(dataset)}.{_ROUTINES_TABLE} "
                "(routine_name VARCHAR PRIMARY KEY, routine_type VARCHAR, definition VARCHAR)"
            )
            return True

    def table_exists(self, dataset: str, table: str) -> bool:
        row = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $s AND table_name = $t",
            {"s": dataset, "t": table},
        ).fetchone()
        return bool(row and row[0])

    def create_table(self, dataset: str, spec: TableSpec) -> bool:
        with self._lock:
            if self.table_exists(dataset, spec.name):
                return False
            target = f"{_quote(dataset)}.{_quote(spec.name)}"
            cols = ", ".join(
                f"{_quote(f.name)} {duckdb_type(f)}{' NOT NULL' if f.mode == 'REQUIRED' else ''}" for f in spec.fields
            )
            self._con.execute("BEGIN")
            try:
                self._con.execute(f"CREATE TABLE {target} ({cols})")
                self._con.execute(f"COMMENT ON TABLE {target} IS {_literal(spec.description)}")
                for f in spec.fields:
                    self._con.execute(f"COMMENT ON COLUMN {target}.{_quote(f.name)} IS {_literal(f.description)}")
                self._con.execute("COMMIT")
            except Exception:
                self._con.execute("ROLLBACK")
                raise
            return True

    def create_procedure(self, dataset: str, procedure: Procedure) -> None:
        # Validate every statement transpiles now, so a bad file fails at onboarding.
        for tree in procedure.parsed():
            if not is_transaction_control(tree):
                to_duckdb(tree, procedure_params=procedure.param_types)
        self._register_routine(dataset, procedure.name, "PROCEDURE", procedure.path.read_text())

    def create_table_function(self, dataset: str, function: TableFunction) -> None:
        # A table macro: DuckDB inlines it where a procedure reads it, like a CTE. Its parameters
        # stay names in the body (the macro binds them), so they are not turned into placeholders.
        sql, _ = to_duckdb(function.parsed())
        params = ", ".join(_quote(p.name) for p in function.params)
        with self._lock:
            self._use(dataset)
            self._con.execute(f"CREATE OR REPLACE MACRO {_quote(function.name)}({params}) AS TABLE {sql}")
            self._register_routine(dataset, function.name, "TABLE_VALUED_FUNCTION", function.path.read_text())

    def create_view(self, dataset: str, view: SqlFile) -> None:
        sql, _ = to_duckdb(view.parsed())
        with self._lock:
            self._use(dataset)
            self._con.execute(sql)
            self._register_routine(dataset, view.name, "VIEW", view.text)

    def _register_routine(self, dataset: str, name: str, kind: str, definition: str) -> None:
        self._con.execute(
            f"INSERT OR REPLACE INTO {_quote(dataset)}.{_ROUTINES_TABLE} VALUES ($n, $k, $d)",
            {"n": name, "k": kind, "d": definition},
        )

    def routine_exists(self, dataset: str, name: str) -> bool:
        row = self._con.execute(
            f"SELECT count(*) FROM {_quote(dataset)}.{_ROUTINES_TABLE} WHERE routine_name = $n", {"n": name}
        ).fetchone()
        return bool(row and row[0])

    # -- statements ---------------------------------------------------------------------
    def _use(self, dataset: str) -> None:
        self._con.execute(f"USE {_quote(dataset)}")

    def _prepare(
        self, statement: SqlFile | str | exp.Expression, params: dict[str, Param], procedure_params: Iterable[str] = ()
    ) -> tuple[str, dict[str, Any]]:
        names: Sequence[str]
        if isinstance(statement, exp.Expression):
            sql, names = to_duckdb(statement, procedure_params=procedure_params)
        else:  # text from a file: parsed and transpiled once per process
            text = statement.text if isinstance(statement, SqlFile) else statement
            sql, names = duckdb_sql(text, frozenset(procedure_params))
        missing = [n for n in names if n not in params]
        if missing:
            raise WarehouseError(f"missing query parameters: {', '.join(missing)}")
        return sql, {n: params[n].value for n in names}

    def query(self, dataset: str, statement: SqlFile | str, params: Params | None = None) -> list[dict[str, Any]]:
        sql, bound = self._prepare(statement, typed(params))
        with self._lock:
            self._use(dataset)
            try:
                cur = self._con.execute(sql, bound)
            except duckdb.Error as exc:
                raise WarehouseError(f"embedded query failed: {exc}") from exc
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=False)) for r in cur.fetchall()]

    def execute(self, dataset: str, statement: SqlFile | str | exp.Expression, params: Params | None = None) -> int:
        sql, bound = self._prepare(statement, typed(params))
        with self._lock:
            self._use(dataset)
            try:
                cur = self._con.execute(sql, bound)
                row = cur.fetchone() if cur.description else None
            except duckdb.Error as exc:
                raise WarehouseError(f"embedded statement failed: {exc}") from exc
            return int(row[0]) if row and isinstance(row[0], int) else 0

    def call_procedure(self, dataset: str, procedure: Procedure, params: Params) -> None:
        declared = procedure.param_types
        unknown = set(params) - set(declared)
        missing = set(declared) - set(params)
        if unknown or missing:
            raise WarehouseError(f"{procedure.name}: unknown {sorted(unknown)} / missing {sorted(missing)} parameters")
        bound = {k: Param(declared[k], v.value if isinstance(v, Param) else v) for k, v in params.items()}
        prepared = [
            self._prepare(text, bound, declared)
            for text in procedure.statements
            if not is_transaction_control(parsed(text))
        ]
        # The whole body is one transaction, as BEGIN TRANSACTION ... COMMIT is in BigQuery.
        with self._lock:
            self._use(dataset)
            self._con.execute("BEGIN")
            try:
                for sql, values in prepared:
                    self._con.execute(sql, values)
                self._con.execute("COMMIT")
            except duckdb.Error as exc:
                self._con.execute("ROLLBACK")
                raise WarehouseError(f"{procedure.name} failed and was rolled back: {exc}") from exc

    # -- loads --------------------------------------------------------------------------
    def _stage(self, spec: TableSpec, rows: Iterable[Mapping[str, Any]], tmp: Path) -> tuple[str, int]:
        path = tmp / "rows.ndjson"
        count = ndjson_file(rows, spec.field_names, path)
        columns = "{" + ", ".join(f"{_literal(f.name)}: {_literal(duckdb_type(f))}" for f in spec.fields) + "}"
        source = (
            f"read_json({_literal(str(path))}, format = 'newline_delimited', columns = {columns}, auto_detect = false)"
        )
        return source, count

    def load_rows(
        self, dataset: str, spec: TableSpec, rows: Iterable[Mapping[str, Any]], *, table: str | None = None
    ) -> int:
        target = f"{_quote(dataset)}.{_quote(table or spec.name)}"
        with tempfile.TemporaryDirectory(prefix="genai-load-") as tmp, self._lock:
            source, count = self._stage(spec, rows, Path(tmp))
            if count:
                try:
                    self._con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {source}")
                except duckdb.Error as exc:
                    raise WarehouseError(f"load into {spec.name} failed: {exc}") from exc
            return count

    def apply_staged(
        self,
        dataset: str,
        spec: TableSpec,
        rows: Iterable[Mapping[str, Any]],
        statements: Sequence[exp.Expression],
        params: Params | None = None,
    ) -> int:
        bound = typed(params)
        prepared = [self._prepare(bind_identifiers(s, {"staging_table": "_staging"}), bound) for s in statements]
        with tempfile.TemporaryDirectory(prefix="genai-load-") as tmp, self._lock:
            # Staging reads the generator to the end before anything is deleted.
            source, count = self._stage(spec, rows, Path(tmp))
            self._use(dataset)
            self._con.execute("BEGIN")
            try:
                # A view, not a table: the statements stream the spooled file instead of holding it in memory.
                self._con.execute(f"CREATE OR REPLACE TEMP VIEW _staging AS SELECT * FROM {source}")
                for sql, values in prepared:
                    self._con.execute(sql, values)
                self._con.execute("DROP VIEW _staging")
                self._con.execute("COMMIT")
            except duckdb.Error as exc:
                self._con.execute("ROLLBACK")
                raise WarehouseError(f"staged write to {spec.name} failed and was rolled back: {exc}") from exc
            return count

    def close(self) -> None:
        self._con.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """For benchmarks and tests that need the raw engine."""
        return self._con
