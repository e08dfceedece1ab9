"""The warehouse interface both backends implement."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlglot import exp

from ..errors import WarehouseError
from ..paths import sql_root
from .identifiers import bind_identifiers
from .rows import within_window
from .sqlfiles import Procedure, SqlFile, TableFunction, load_statement
from .tables import TableSpec

# Rows staged by apply_staged_tables are read as _staging_<table> (tools/sql_analyzer registers the same).
STAGING_PREFIX = "_staging_"


@dataclass(frozen=True)
class Param:
    """A typed query parameter; the type is needed for NULLs and for BigQuery."""

    type: str
    value: Any

    @classmethod
    def of(cls, value: Any) -> Param:
        if isinstance(value, Param):
            return value
        for py, bq in (
            (bool, "BOOL"),
            (int, "INT64"),
            (Decimal, "NUMERIC"),
            (float, "FLOAT64"),
            (dt.datetime, "TIMESTAMP"),
            (dt.date, "DATE"),
            (str, "STRING"),
        ):
            if isinstance(value, py):
                return cls(bq, value)
        raise TypeError(f"cannot infer a SQL type for {type(value).__name__}; pass Param(type, value)")


Params = Mapping[str, Any]


def typed(params: Params | None) -> dict[str, Param]:
    return {k: Param.of(v) for k, v in (params or {}).items()}


@dataclass(frozen=True)
class Staged:
    """Rows loaded into a staging table shaped like ``spec`` before a transaction starts; the
    transaction's statements name that table by ``slot`` (an identifier slot, bound by the backend)."""

    slot: str
    spec: TableSpec
    rows: Iterable[Mapping[str, Any]]


@dataclass(frozen=True)
class Call:
    """A procedure call as one step of a transaction; its parameters come from the transaction's."""

    procedure: Procedure


Step = exp.Expression | Call


@dataclass(frozen=True)
class WindowWrite:
    """One table's rows for a window replace (see :meth:`Warehouse.replace_windows`)."""

    spec: TableSpec
    rows: Iterable[Mapping[str, Any]] = field(default=())

    @property
    def slot(self) -> str:
        return f"{self.spec.name}__staged"


def bound_params(steps: Sequence[Step], params: Params | None) -> dict[str, Param]:
    """Typed parameters for a transaction: a procedure's declared type wins over the inferred one,
    and every parameter a called procedure declares must be given."""
    bound = typed(params)
    for step in steps:
        if isinstance(step, Call):
            declared = step.procedure.param_types
            missing = sorted(set(declared) - set(bound))
            if missing:
                raise WarehouseError(f"{step.procedure.name}: missing parameters {missing}")
            for name, kind in declared.items():
                bound[name] = Param(kind, bound[name].value)
    return bound


class Warehouse(abc.ABC):
    """Datasets, tables from JSON specs, parameterized statements, load jobs, procedures.

    ``dataset`` is always an organization dataset name already validated by
    :func:`genai_costs.orgs.dataset_for`; statements run with it as the default dataset.
    """

    backend: str

    @abc.abstractmethod
    def dataset_exists(self, dataset: str) -> bool: ...

    @abc.abstractmethod
    def create_dataset(self, dataset: str, *, description: str) -> bool:
        """Create if absent; True if it was created now."""

    @abc.abstractmethod
    def table_exists(self, dataset: str, table: str) -> bool: ...

    @abc.abstractmethod
    def create_table(self, dataset: str, spec: TableSpec) -> bool:
        """Create if absent; True if it was created now."""

    @abc.abstractmethod
    def routine_exists(self, dataset: str, name: str) -> bool: ...

    @abc.abstractmethod
    def create_procedure(self, dataset: str, procedure: Procedure) -> None: ...

    @abc.abstractmethod
    def create_view(self, dataset: str, view: SqlFile) -> None: ...

    @abc.abstractmethod
    def create_table_function(self, dataset: str, function: TableFunction) -> None: ...

    @abc.abstractmethod
    def query(
        self, dataset: str, statement: SqlFile | str | exp.Expression, params: Params | None = None
    ) -> list[dict[str, Any]]:
        """Run one SELECT and return its rows as dicts."""

    @abc.abstractmethod
    def execute(self, dataset: str, statement: SqlFile | str | exp.Expression, params: Params | None = None) -> int:
        """Run one DML/DDL statement; return affected rows where the engine reports them."""

    @abc.abstractmethod
    def load_rows(
        self, dataset: str, spec: TableSpec, rows: Iterable[Mapping[str, Any]], *, table: str | None = None
    ) -> int:
        """Append rows with a load job (never streaming inserts); return the count loaded."""

    @abc.abstractmethod
    def run_transaction(
        self,
        dataset: str,
        steps: Sequence[Step],
        params: Params | None = None,
        *,
        staged: Sequence[Staged] = (),
    ) -> dict[str, int]:
        """Load every ``staged`` table (reading each ``rows`` to the end), then run ``steps`` in ONE
        transaction: statements, which may name the staging slots, and procedure calls, in order.
        Either every step takes effect or none does; a step that raises an error (e.g. an assertion
        built with ``ERROR()``) rolls everything back. Returns the rows staged per slot."""

    def apply_staged(
        self,
        dataset: str,
        spec: TableSpec,
        rows: Iterable[Mapping[str, Any]],
        statements: Sequence[exp.Expression],
        params: Params | None = None,
    ) -> int:
        """Load ``rows`` into a staging table shaped like ``spec`` (the slot ``staging_table``), then
        run ``statements`` in ONE transaction. Returns rows staged."""
        staged = Staged("staging_table", spec, rows)
        return self.run_transaction(dataset, statements, params, staged=[staged])["staging_table"]

    def call_procedure(self, dataset: str, procedure: Procedure, params: Params) -> None:
        """Run a procedure atomically with its declared parameter types (the procedures hold no
        transaction control of their own, so that several can run in one transaction)."""
        unknown = sorted(set(params) - set(procedure.param_types))
        if unknown:
            raise WarehouseError(f"{procedure.name}: unknown parameters {unknown}")
        self.run_transaction(dataset, [Call(procedure)], params)

    def replace_windows(
        self,
        dataset: str,
        writes: Sequence[WindowWrite],
        *,
        date_field: str,
        start: dt.date,
        end: dt.date,
        checks: Sequence[exp.Expression] = (),
    ) -> dict[str, int]:
        """Replace the rows with ``start <= date_field < end`` of every table in ``writes`` by that
        write's rows, all tables in ONE transaction (a step for window W touches nothing outside W,
        and either every table is replaced or none is).

        Exactly once: each table keeps one row per ``record_id``. Identical copies (a page a provider
        served twice) collapse into one; copies that differ refuse the whole write (the provider
        contradicted itself and we cannot know which version is right), leaving every table as it
        was. ``checks`` are further assertion statements run before anything is written; they may
        name each write's staging table by its slot (``{table}__staged``).

        Returns the rows each table holds in the window afterwards, by table name."""
        root = sql_root()
        steps: list[exp.Expression] = []
        for write in writes:
            spec = write.spec
            for name in (date_field, "record_id"):
                if name not in spec.field_names:
                    raise WarehouseError(f"{spec.name} has no field {name}: it cannot be written by window")
            staging = {"staging_table": write.slot}
            steps.append(bind_identifiers(load_statement(root, "window_assert_one_version").parsed(), staging))
        steps.extend(checks)
        for write in writes:
            target = {"target_table": write.spec.name, "staging_table": write.slot}
            steps.append(
                bind_identifiers(load_statement(root, "window_delete").parsed(), target, {"window_date": date_field})
            )
            steps.append(bind_identifiers(load_statement(root, "window_insert").parsed(), target))
        staged = [Staged(w.slot, w.spec, within_window(w.rows, date_field, start, end)) for w in writes]
        self.run_transaction(dataset, steps, {"p_start_date": start, "p_end_date": end}, staged=staged)
        count = load_statement(root, "window_count")
        return {
            w.spec.name: int(
                self.query(
                    dataset,
                    bind_identifiers(count.parsed(), {"target_table": w.spec.name}, {"window_date": date_field}),
                    {"p_start_date": start, "p_end_date": end},
                )[0]["row_count"]
            )
            for w in writes
        }

    def apply_staged_tables(
        self,
        dataset: str,
        staged: Sequence[tuple[TableSpec, Iterable[Mapping[str, Any]]]],
        statements: Sequence[exp.Expression],
        params: Params | None = None,
    ) -> dict[str, int]:
        """Stage rows for several tables at once, then run ``statements`` in ONE transaction.

        Each spec's rows are readable as ``_staging_<spec name>`` (the name the SQL analyzer registers
        for every table's staging copy, so the statements are checked as written). Returns the rows
        staged per table. Either every statement takes effect or none does."""
        names = [spec.name for spec, _ in staged]
        if len(set(names)) != len(names):
            raise WarehouseError(f"each table can be staged once per transaction: {names}")
        slots = [Staged(STAGING_PREFIX + spec.name, spec, rows) for spec, rows in staged]
        counts = self.run_transaction(dataset, statements, params, staged=slots)
        return {name: counts[STAGING_PREFIX + name] for name in names}

    def replace_window(
        self,
        dataset: str,
        spec: TableSpec,
        rows: Iterable[Mapping[str, Any]],
        *,
        date_field: str,
        start: dt.date,
        end: dt.date,
    ) -> int:
        """:meth:`replace_windows` for one table; returns the rows it holds in the window afterwards."""
        write = WindowWrite(spec, rows)
        return self.replace_windows(dataset, [write], date_field=date_field, start=start, end=end)[spec.name]

    @abc.abstractmethod
    def exclusive(self, dataset: str, name: str, *, wait_seconds: float = 120.0) -> AbstractContextManager[None]:
        """Hold the lock ``name`` in ``dataset`` while the ``with`` block runs: a second holder waits (at most
        ``wait_seconds``, then a transient WarehouseError). For work that must not run twice at once, such as
        inserting the missing seed rows (two concurrent inserts of missing rows would both insert them)."""

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run a batch of operations on one connection (onboarding's hundred-odd DDL statements). The
        embedded backend otherwise opens and closes its file for each operation; BigQuery has nothing
        to hold."""
        yield

    def close(self) -> None:  # noqa: B027 - an optional hook, not an abstract one
        """Backends override it when they hold resources."""

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
