"""The names a statement can resolve: tables (from ``sql/tables/*.json``, analyzed views, temporary
tables), table functions (analyzed ``CREATE TABLE FUNCTION`` files) and script variables (procedure
parameters, DECLAREd variables), with their types.

Table names are unqualified: every job runs with the organization's dataset as the default
dataset, so a one-level catalog resolves them exactly as BigQuery does. Script variables are
catalog constants: ZetaSQL resolves a bare name that is not a column to a constant, the same
precedence BigQuery gives a column over a script variable of the same name. A table function is
registered with the signature ZetaSQL resolved from its file (typed parameters, output columns of
the analyzed body), so its callers are checked for argument count and types and read its columns.
With every parameter typed, the output schema does not depend on the arguments, so a fixed-output
signature is exact; the body is analyzed once, with its file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zetasql.wasi._pb2.zetasql.proto import function_pb2 as function_proto_pb
from zetasql.wasi._pb2.zetasql.proto import options_pb2 as proto_options_pb
from zetasql.wasi._pb2.zetasql.proto import simple_catalog_pb2 as catalog_pb
from zetasql.wasi._pb2.zetasql.public import function_pb2 as function_pb
from zetasql.wasi._pb2.zetasql.public import simple_constant_pb2 as constant_pb
from zetasql.wasi._pb2.zetasql.public import simple_table_pb2 as table_pb
from zetasql.wasi._pb2.zetasql.public import type_pb2, value_pb2

from .bigquery import field_type, language_options, scalar_type
from .engine import ZetaSQL

Columns = Sequence[tuple[str, type_pb2.TypeProto]]


@dataclass(frozen=True)
class Table:
    name: str
    columns: Columns
    pseudo_columns: Columns = ()
    # BigQuery rules ZetaSQL has no notion of (lower-case column names):
    required: frozenset[str] = frozenset()  # REQUIRED (NOT NULL) columns
    partition_filters: tuple[str, ...] = ()  # columns every read must filter (requirePartitionFilter)

    @classmethod
    def from_spec(cls, name: str, spec: Mapping[str, Any]) -> Table:
        """A table from a BigQuery REST Table resource (``schema.fields``, ``timePartitioning``)."""
        fields = spec["schema"]["fields"]
        partitioning = spec.get("timePartitioning") or {}
        # Ingestion-time partitioning (no field) adds the _PARTITIONTIME / _PARTITIONDATE pseudo-columns.
        pseudo = (
            {}
            if not partitioning or partitioning.get("field")
            else {"_PARTITIONTIME": "TIMESTAMP", "_PARTITIONDATE": "DATE"}
        )
        partition_column = partitioning.get("field") or "_PARTITIONTIME"
        return cls(
            name,
            tuple((f["name"], field_type(f)) for f in fields),
            tuple((n, scalar_type(t)) for n, t in pseudo.items()),
            frozenset(f["name"].lower() for f in fields if str(f.get("mode", "")).upper() == "REQUIRED"),
            (partition_column.lower(),) if partitioning.get("requirePartitionFilter") else (),
        )

    def unpartitioned_copy(self, name: str) -> Table:
        """Same columns under another name, without partitioning (so without a partition filter)."""
        return Table(name, self.columns, (), self.required)

    def proto(self, serialization_id: int) -> table_pb.SimpleTableProto:
        columns = [table_pb.SimpleColumnProto(name=n, type=t, is_writable_column=True) for n, t in self.columns]
        columns += [table_pb.SimpleColumnProto(name=n, type=t, is_pseudo_column=True) for n, t in self.pseudo_columns]
        return table_pb.SimpleTableProto(name=self.name, serialization_id=serialization_id, column=columns)


@dataclass(frozen=True)
class TableFunction:
    """A table-valued function: ``signature`` as ZetaSQL resolved its CREATE TABLE FUNCTION (typed
    arguments; a relation result with the body's output columns)."""

    name: str
    signature: function_proto_pb.FunctionSignatureProto
    partition_filters: tuple[str, ...] = ()  # output columns every caller must filter (see partition_filters)

    @property
    def columns(self) -> Columns:
        return [(c.name, c.type) for c in self.signature.return_type.options.relation_input_schema.column]

    def proto(self) -> function_proto_pb.TableValuedFunctionProto:
        return function_proto_pb.TableValuedFunctionProto(
            name_path=[self.name],
            signature=self.signature,
            type=function_pb.FunctionEnums.FIXED_OUTPUT_SCHEMA_TVF,
        )


def load_table_files(tables_dir: Path) -> dict[str, Table]:
    """Every ``<name>.json`` table spec (BigQuery REST Table resource) as a catalog table."""
    return {
        path.stem: Table.from_spec(path.stem, json.loads(path.read_text()))
        for path in sorted(tables_dir.glob("*.json"))
    }


@dataclass
class Catalog:
    """A mutable set of tables, table functions and constants, registered with ZetaSQL on demand
    (once per change)."""

    engine: ZetaSQL
    tables: dict[str, Table] = field(default_factory=dict)
    constants: dict[str, type_pb2.TypeProto] = field(default_factory=dict)
    functions: dict[str, TableFunction] = field(default_factory=dict)
    _registered: int | None = None

    def copy(self) -> Catalog:
        return Catalog(self.engine, dict(self.tables), dict(self.constants), dict(self.functions))

    def add_table(self, table: Table) -> None:
        self.tables[table.name.lower()] = table
        self._invalidate()

    def drop_table(self, name: str) -> None:
        self.tables.pop(name.lower(), None)
        self._invalidate()

    def add_constant(self, name: str, type_: type_pb2.TypeProto) -> None:
        self.constants[name.lower()] = type_
        self._invalidate()

    def add_function(self, function: TableFunction) -> None:
        self.functions[function.name.lower()] = function
        self._invalidate()

    def partition_filters(self) -> dict[str, tuple[str, ...]]:
        """Table (lower case) -> the columns every read of it must filter."""
        return {key: t.partition_filters for key, t in self.tables.items() if t.partition_filters}

    def function_partition_filters(self) -> dict[str, tuple[str, ...]]:
        """Table function (lower case) -> the output columns every call of it must filter."""
        return {key: f.partition_filters for key, f in self.functions.items() if f.partition_filters}

    def registered_id(self) -> int:
        if self._registered is None:
            self._registered = self.engine.register_catalog(self._proto())
        return self._registered

    def close(self) -> None:
        self._invalidate()

    def _invalidate(self) -> None:
        if self._registered is not None:
            self.engine.unregister_catalog(self._registered)
            self._registered = None

    def _proto(self) -> catalog_pb.SimpleCatalogProto:
        return catalog_pb.SimpleCatalogProto(
            name="dataset",
            table=[t.proto(i) for i, t in enumerate(self.tables.values(), start=1)],
            constant=[
                # The value is never read: analysis only needs the constant's type.
                constant_pb.SimpleConstantProto(name_path=[name], type=type_, value=value_pb2.ValueProto())
                for name, type_ in self.constants.items()
            ],
            custom_tvf=[f.proto() for f in self.functions.values()],
            builtin_function_options=proto_options_pb.ZetaSQLBuiltinFunctionOptionsProto(
                language_options=language_options()
            ),
        )
