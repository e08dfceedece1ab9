"""The warehouse interface both backends implement."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlglot import exp

from ..errors import WarehouseError
from ..paths import sql_root
from .identifiers import bind_identifiers
from .rows import within_window
from .sqlfiles import Procedure, SqlFile, TableFunction, load_statement
from .tables import TableSpec


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
    def query(self, dataset: str, statement: SqlFile | str, params: Params | None = None) -> list[dict[str, Any]]:
        """Run one SELECT and return its rows as dicts."""

    @abc.abstractmethod
    def execute(self, dataset: str, statement: SqlFile | str, params: Params | None = None) -> int:
        """Run one DML/DDL statement; return affected rows where the engine reports them."""

    @abc.abstractmethod
    def call_procedure(self, dataset: str, procedure: Procedure, params: Params) -> None:
        """Run a procedure atomically with its declared parameter types."""

    @abc.abstractmethod
    def load_rows(
        self, dataset: str, spec: TableSpec, rows: Iterable[Mapping[str, Any]], *, table: str | None = None
    ) -> int:
        """Append rows with a load job (never streaming inserts); return the count loaded."""

    @abc.abstractmethod
    def apply_staged(
        self,
        dataset: str,
        spec: TableSpec,
        rows: Iterable[Mapping[str, Any]],
        statements: Sequence[exp.Expression],
        params: Params | None = None,
    ) -> int:
        """Load ``rows`` into a staging table shaped like ``spec``, then run ``statements``
        (which may name the slot ``staging_table``) in ONE transaction. Returns rows staged.
        Either every statement takes effect or none does."""

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
        """Atomically replace the rows with ``start <= date_field < end`` by ``rows``, which
        must all fall inside the window (a step for window W touches nothing outside W)."""
        if date_field not in spec.field_names:
            raise WarehouseError(f"{spec.name} has no field {date_field}")
        root = sql_root()
        delete = bind_identifiers(
            load_statement(root, "window_delete").parsed(), {"target_table": spec.name}, {"window_date": date_field}
        )
        insert = bind_identifiers(load_statement(root, "window_insert").parsed(), {"target_table": spec.name})
        return self.apply_staged(
            dataset,
            spec,
            within_window(rows, date_field, start, end),
            [delete, insert],
            {"p_start_date": start, "p_end_date": end},
        )

    def close(self) -> None:  # noqa: B027 - an optional hook, not an abstract one
        """Backends override it when they hold resources."""

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
