"""Embedded backend: one DuckDB file; each organization dataset is a DuckDB schema.

Runs the very same BigQuery-dialect files through :mod:`.transpile`. Loads go through a
newline-delimited JSON file, like a BigQuery load job. Nothing is ever downloaded: only the
extensions statically linked into the wheel (json, parquet, icu) are used.

Several processes: DuckDB lets one process at a time open a file for writing. A *shared*
warehouse (what :func:`genai_costs.warehouse.open_warehouse` returns for a file) opens the file
only for each operation and closes it straight after, so another process (a second run, a
backfill, a report) gets its turn between operations; while the file is held elsewhere it waits,
retrying with backoff for up to ``lock_timeout`` seconds, then raises the transient
:class:`WarehouseBusyError` instead of DuckDB's lock error. A non-shared warehouse (tests,
benchmarks, ``:memory:``) keeps one connection open from construction to :meth:`close`, as does a
shared one once :attr:`connection` has been asked for.
"""

from __future__ import annotations

import fcntl
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from ..errors import WarehouseBusyError, WarehouseError
from .base import Call, Param, Params, Staged, Step, Warehouse, bound_params, typed
from .failures import engine_error
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
_LOCKS: dict[tuple[str, str, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_CONNECT_GUARD = threading.Lock()


def _still_held(dataset: str, name: str, wait_seconds: float) -> WarehouseError:
    error = WarehouseError(f"{name} in {dataset} is still held by another run after {wait_seconds:g}s")
    error.transient = True
    return error


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

    def __init__(
        self,
        path: Path | str = ":memory:",
        *,
        memory_limit: str | None = None,
        shared: bool = False,
        lock_timeout: float = 120.0,
    ) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._memory_limit = memory_limit
        self._lock_timeout = lock_timeout
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._pinned = False  # `connection` was asked for: held until close()
        if not shared or self.path == ":memory:":
            self._con = self._connect()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        deadline, delay = time.monotonic() + self._lock_timeout, 0.05
        while True:
            try:
                with _CONNECT_GUARD:  # concurrent first connects of one file in a process race in DuckDB
                    con = duckdb.connect(self.path)
                break
            except duckdb.IOException as exc:
                # Another process writes to the file: wait for its operation to end.
                if "lock" not in str(exc).lower():
                    raise WarehouseError(f"cannot open the embedded warehouse {self.path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"the embedded warehouse {self.path} stayed in use by another process for "
                        f"{self._lock_timeout:.0f} s ({exc})"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        # BigQuery computes in UTC; DuckDB would truncate TIMESTAMPTZ in the local zone.
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        if self._memory_limit:  # validated by Settings; large windows then spill to disk instead of RAM
            con.execute(f"SET memory_limit = {_literal(self._memory_limit)}")
        return con

    @contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection for one operation: the held one, or one opened for this operation only."""
        with self._lock:
            if self._con is not None:
                yield self._con
                return
            con = self._connect()
            try:
                yield con
            finally:
                con.close()

    # -- datasets and tables ------------------------------------------------------------
    def dataset_exists(self, dataset: str) -> bool:
        with self._session() as con:
            return self._dataset_exists(con, dataset)

    @staticmethod
    def _dataset_exists(con: duckdb.DuckDBPyConnection, dataset: str) -> bool:
        row = con.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $s", {"s": dataset}
        ).fetchone()
        return bool(row and row[0])

    def create_dataset(self, dataset: str, *, description: str) -> bool:
        with self._session() as con:
            if self._dataset_exists(con, dataset):
                return False
            # One transaction: a concurrent creator (another connection) makes this one conflict, never
            # leaves a schema without its routines table.
            con.execute("BEGIN")
            try:
                con.execute(f"CREATE SCHEMA {_quote(dataset)}")
                con.execute(
                    f"CREATE TABLE {_quote(dataset)}.{_ROUTINES_TABLE} "
                    "(routine_name VARCHAR PRIMARY KEY, routine_type VARCHAR, definition VARCHAR)"
                )
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                if self._dataset_exists(con, dataset):  # another connection created it first
                    return False
                raise engine_error(exc, f"creating {dataset} failed: {exc}") from exc
            return True

    @staticmethod
    def _table_exists(con: duckdb.DuckDBPyConnection, dataset: str, table: str) -> bool:
        row = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $s AND table_name = $t",
            {"s": dataset, "t": table},
        ).fetchone()
        return bool(row and row[0])

    def table_exists(self, dataset: str, table: str) -> bool:
        with self._session() as con:
            return self._table_exists(con, dataset, table)

    def create_table(self, dataset: str, spec: TableSpec) -> bool:
        with self._session() as con:
            if self._table_exists(con, dataset, spec.name):
                return False
            target = f"{_quote(dataset)}.{_quote(spec.name)}"
            cols = ", ".join(
                f"{_quote(f.name)} {duckdb_type(f)}{' NOT NULL' if f.mode == 'REQUIRED' else ''}" for f in spec.fields
            )
            con.execute("BEGIN")
            try:
                con.execute(f"CREATE TABLE {target} ({cols})")
                con.execute(f"COMMENT ON TABLE {target} IS {_literal(spec.description)}")
                for f in spec.fields:
                    con.execute(f"COMMENT ON COLUMN {target}.{_quote(f.name)} IS {_literal(f.description)}")
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                if self._table_exists(con, dataset, spec.name):  # another connection created it first
                    return False
                raise engine_error(exc, f"creating {spec.name} failed: {exc}") from exc
            return True

    def create_procedure(self, dataset: str, procedure: Procedure) -> None:
        # Validate every statement transpiles now, so a bad file fails at onboarding.
        for statement in procedure.statements:
            if not is_transaction_control(parsed(statement)):
                duckdb_sql(statement, frozenset(procedure.param_types))
        with self._session() as con:
            self._register_routine(con, dataset, procedure.name, "PROCEDURE", procedure.path.read_text())

    def create_table_function(self, dataset: str, function: TableFunction) -> None:
        # A table macro: DuckDB inlines it where a procedure reads it, like a CTE. Its parameters
        # stay names in the body (the macro binds them), so they are not turned into placeholders.
        sql, _ = duckdb_sql(function.body)
        params = ", ".join(_quote(p.name) for p in function.params)
        with self._session() as con:
            self._use(con, dataset)
            con.execute(f"CREATE OR REPLACE MACRO {_quote(function.name)}({params}) AS TABLE {sql}")
            self._register_routine(con, dataset, function.name, "TABLE_VALUED_FUNCTION", function.path.read_text())

    def create_view(self, dataset: str, view: SqlFile) -> None:
        sql, _ = duckdb_sql(view.text)
        with self._session() as con:
            self._use(con, dataset)
            try:
                con.execute(sql)
            except duckdb.Error as exc:
                raise engine_error(exc, f"creating view {view.name} failed: {exc}") from exc
            self._register_routine(con, dataset, view.name, "VIEW", view.text)

    @staticmethod
    def _register_routine(con: duckdb.DuckDBPyConnection, dataset: str, name: str, kind: str, definition: str) -> None:
        try:
            con.execute(
                f"INSERT OR REPLACE INTO {_quote(dataset)}.{_ROUTINES_TABLE} VALUES ($n, $k, $d)",
                {"n": name, "k": kind, "d": definition},
            )
        except duckdb.Error as exc:
            raise engine_error(exc, f"registering {kind.lower()} {name} failed: {exc}") from exc

    def routine_exists(self, dataset: str, name: str) -> bool:
        with self._session() as con:
            row = con.execute(
                f"SELECT count(*) FROM {_quote(dataset)}.{_ROUTINES_TABLE} WHERE routine_name = $n", {"n": name}
            ).fetchone()
        return bool(row and row[0])

    # -- statements ---------------------------------------------------------------------
    @staticmethod
    def _use(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
        con.execute(f"USE {_quote(dataset)}")

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

    def query(
        self, dataset: str, statement: SqlFile | str | exp.Expression, params: Params | None = None
    ) -> list[dict[str, Any]]:
        sql, bound = self._prepare(statement, typed(params))
        with self._session() as con:
            self._use(con, dataset)
            try:
                cur = con.execute(sql, bound)
            except duckdb.Error as exc:
                raise engine_error(exc, f"embedded query failed: {exc}") from exc
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=False)) for r in cur.fetchall()]

    def execute(self, dataset: str, statement: SqlFile | str | exp.Expression, params: Params | None = None) -> int:
        sql, bound = self._prepare(statement, typed(params))
        with self._session() as con:
            self._use(con, dataset)
            try:
                cur = con.execute(sql, bound)
                row = cur.fetchone() if cur.description else None
            except duckdb.Error as exc:
                raise engine_error(exc, f"embedded statement failed: {exc}") from exc
            return int(row[0]) if row and isinstance(row[0], int) else 0

    def run_transaction(
        self,
        dataset: str,
        steps: Sequence[Step],
        params: Params | None = None,
        *,
        staged: Sequence[Staged] = (),
    ) -> dict[str, int]:
        bound = bound_params(steps, params)
        views = {s.slot: f"_staged_{s.slot}" for s in staged}
        prepared: list[tuple[str, dict[str, Any]]] = []
        for step in steps:
            if isinstance(step, Call):
                declared = step.procedure.param_types
                texts = [t for t in step.procedure.statements if not is_transaction_control(parsed(t))]
                prepared += [self._prepare(text, bound, declared) for text in texts]
            else:  # as text, so that the transpiled SQL is cached like a file's
                prepared.append(self._prepare(bind_identifiers(step, views).sql("bigquery"), bound))
        what = ", ".join(s.spec.name for s in staged) or ", ".join(
            s.procedure.name for s in steps if isinstance(s, Call)
        )
        with tempfile.TemporaryDirectory(prefix="genai-load-") as tmp, self._session() as con:
            # Staging reads every generator to the end before anything is deleted.
            sources: dict[str, tuple[str, int]] = {}
            for s in staged:
                (Path(tmp) / s.slot).mkdir()
                sources[s.slot] = self._stage(s.spec, s.rows, Path(tmp) / s.slot)
            self._use(con, dataset)
            con.execute("BEGIN")
            try:
                # Views, not tables: the statements stream the spooled files instead of holding them in memory.
                for slot, (source, _) in sources.items():
                    con.execute(f"CREATE OR REPLACE TEMP VIEW {_quote(views[slot])} AS SELECT * FROM {source}")
                for sql, values in prepared:
                    con.execute(sql, values)
                for view in views.values():
                    con.execute(f"DROP VIEW {_quote(view)}")
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                raise engine_error(exc, f"transaction on {what or dataset} failed and was rolled back: {exc}") from exc
            return {slot: count for slot, (_, count) in sources.items()}

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
        with tempfile.TemporaryDirectory(prefix="genai-load-") as tmp:
            source, count = self._stage(spec, rows, Path(tmp))
            if count:
                with self._session() as con:
                    try:
                        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {source}")
                    except duckdb.Error as exc:
                        raise engine_error(exc, f"load into {spec.name} failed: {exc}") from exc
            return count

    @contextmanager
    def exclusive(self, dataset: str, name: str, *, wait_seconds: float = 120.0) -> Iterator[None]:
        # Threads of this process share a lock per file and name; other processes (a shared file is open
        # to them between operations) meet an advisory lock on a file beside the database.
        with _LOCKS_GUARD:
            lock = _LOCKS.setdefault(
                (self.path if self.path != ":memory:" else str(id(self)), dataset, name), threading.Lock()
            )
        deadline = time.monotonic() + wait_seconds
        if not lock.acquire(timeout=wait_seconds):
            raise _still_held(dataset, name, wait_seconds)
        try:
            if self.path == ":memory:":
                yield
                return
            with open(f"{self.path}.{dataset}.{name}.lock", "a+b") as handle:
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise _still_held(dataset, name, wait_seconds) from None
                        time.sleep(0.05)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            lock.release()

    @contextmanager
    def held(self) -> Iterator[None]:
        """A shared warehouse keeps the file open until the block ends (one open and close instead of one
        per operation: each costs tens of milliseconds); other processes wait for it, as for any operation."""
        with self._lock:
            if self._con is not None:  # already held (non-shared, or an enclosing held block)
                yield
                return
            con = self._con = self._connect()
            try:
                yield
            finally:
                if not self._pinned:  # unless `connection` was asked for inside the block
                    self._con = None
                    con.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """For benchmarks and tests that need the raw engine; a shared warehouse holds the file from
        now on, until :meth:`close`."""
        with self._lock:
            if self._con is None:
                self._con = self._connect()
            self._pinned = True
            return self._con
