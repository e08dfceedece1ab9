"""BigQuery's dialect expressed as ZetaSQL settings, and BigQuery schema types as ZetaSQL types.

ZetaSQL implements GoogleSQL for several engines; each engine turns on the language features it
supports. BigQuery runs in the external product mode (no INT32, UINT64, FLOAT, PROTO or ENUM
types) with the features listed below, the same choice Google's ZetaSQL Toolkit makes for its
BigQuery analyzer, brought up to this ZetaSQL build's feature names and to BigQuery features
released since (pipe syntax, UNION ... BY NAME / CORRESPONDING, RANGE). Features BigQuery does
not have stay off so that the analyzer rejects them (e.g. ``TYPEOF``, ``THEN RETURN``, MAP, UUID,
proto types, nanosecond timestamps: BigQuery timestamps are microseconds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from zetasql.wasi._pb2.zetasql.proto import options_pb2 as proto_options_pb
from zetasql.wasi._pb2.zetasql.public import options_pb2 as options_pb
from zetasql.wasi._pb2.zetasql.public import type_pb2
from zetasql.wasi._pb2.zetasql.resolved_ast import resolved_node_kind_pb2 as kind_pb

_FEATURES = (
    # Query syntax
    "ANALYTIC_FUNCTIONS",
    "TABLESAMPLE",
    "TABLE_VALUED_FUNCTIONS",
    "TEMPLATE_FUNCTIONS",
    "NAMED_ARGUMENTS",
    "GROUP_BY_ROLLUP",
    "GROUPING_BUILTIN",
    "GROUPING_SETS",
    "GROUP_BY_ALL",
    "GROUP_BY_STRUCT",
    "GROUP_BY_ARRAY",
    "WITH_ON_SUBQUERY",
    "WITH_RECURSIVE",
    "SELECT_STAR_EXCEPT_REPLACE",
    "ORDER_BY_IN_AGGREGATE",
    "LIMIT_IN_AGGREGATE",
    "HAVING_IN_AGGREGATE",
    "NULL_HANDLING_MODIFIER_IN_AGGREGATE",
    "NULL_HANDLING_MODIFIER_IN_ANALYTIC",
    "NULLS_FIRST_LAST_IN_ORDER_BY",
    "FOR_SYSTEM_TIME_AS_OF",
    "SAFE_FUNCTION_CALL",
    "QUALIFY",
    "PIVOT",
    "UNPIVOT",
    "IS_DISTINCT",
    "LIKE_ANY_SOME_ALL",
    "UNNEST_AND_FLATTEN_ARRAYS",
    "BARE_ARRAY_ACCESS",
    "ALLOW_DASHES_IN_TABLE_NAME",
    "WITH_GROUP_ROWS",
    "CORRESPONDING",
    "CORRESPONDING_FULL",
    "BY_NAME",
    "PIPES",
    # Types
    "NUMERIC_TYPE",
    "BIGNUMERIC_TYPE",
    "JSON_TYPE",
    "GEOGRAPHY",
    "INTERVAL_TYPE",
    "RANGE_TYPE",
    "CIVIL_TIME",
    "PARAMETERIZED_TYPES",
    "DECIMAL_ALIAS",
    # Functions
    "CONCAT_MIXED_TYPES",
    "DATE_ARITHMETICS",
    "DATE_TIME_CONSTRUCTORS",
    "EXTENDED_DATE_TIME_SIGNATURES",
    "EXTENDED_GEOGRAPHY_PARSERS",
    "ADDITIONAL_STRING_FUNCTIONS",
    "ALLOW_REGEXP_EXTRACT_OPTIONALS",
    "WEEK_WITH_WEEKDAY",
    "FORMAT_IN_CAST",
    "TIME_BUCKET_FUNCTIONS",
    "INVERSE_TRIG_FUNCTIONS",
    "CBRT_FUNCTIONS",
    "ROUND_WITH_ROUNDING_MODE",
    "ARRAY_AGGREGATION_FUNCTIONS",
    "JSON_ARRAY_FUNCTIONS",
    "JSON_VALUE_EXTRACTION_FUNCTIONS",
    "JSON_LAX_VALUE_EXTRACTION_FUNCTIONS",
    "JSON_CONSTRUCTOR_FUNCTIONS",
    "JSON_MUTATOR_FUNCTIONS",
    "JSON_KEYS_FUNCTION",
    "ENABLE_FLOAT_DISTANCE_FUNCTIONS",
    "ENCRYPTION",
    "ANONYMIZATION",
    "DIFFERENTIAL_PRIVACY",
    "AGGREGATION_THRESHOLD",
    "COLLATION_SUPPORT",
    "ANNOTATION_FRAMEWORK",
    # DML, DDL and scripting
    "DML_UPDATE_WITH_JOIN",
    "OMIT_INSERT_COLUMN_LIST",
    "CREATE_TABLE_PARTITION_BY",
    "CREATE_TABLE_CLUSTER_BY",
    "CREATE_TABLE_NOT_NULL",
    "CREATE_TABLE_FIELD_ANNOTATIONS",
    "CREATE_TABLE_AS_SELECT_COLUMN_LIST",
    "CREATE_TABLE_LIKE",
    "CREATE_TABLE_COPY",
    "CREATE_TABLE_CLONE",
    "CREATE_SNAPSHOT_TABLE",
    "CREATE_TABLE_FUNCTION",
    "CREATE_AGGREGATE_FUNCTION",
    "CREATE_VIEW_WITH_COLUMN_LIST",
    "CREATE_MATERIALIZED_VIEW_PARTITION_BY",
    "CREATE_MATERIALIZED_VIEW_CLUSTER_BY",
    "CREATE_EXTERNAL_TABLE_WITH_CONNECTION",
    "CREATE_EXTERNAL_TABLE_WITH_PARTITION_COLUMNS",
    "CREATE_EXTERNAL_TABLE_WITH_TABLE_ELEMENT_LIST",
    "COLUMN_DEFAULT_VALUE",
    "UNENFORCED_PRIMARY_KEYS",
    "FOREIGN_KEYS",
    "ALTER_COLUMN_SET_DATA_TYPE",
    "ALTER_TABLE_RENAME_COLUMN",
    "ALLOW_MISSING_PATH_EXPRESSION_IN_ALTER_DDL",
    "REMOTE_FUNCTION",
    "REMOTE_MODEL",
    "CASE_STMT",
    "FOR_IN",
    "REPEAT",
    "SCRIPT_LABEL",
)

_STATEMENTS = (
    "QUERY",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "TRUNCATE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "ASSERT",
    "CALL",
    "EXECUTE_IMMEDIATE",
    "EXPORT_DATA",
    "CREATE_TABLE",
    "CREATE_TABLE_AS_SELECT",
    "CREATE_VIEW",
    "CREATE_MATERIALIZED_VIEW",
    "CREATE_EXTERNAL_TABLE",
    "CREATE_SNAPSHOT_TABLE",
    "CREATE_FUNCTION",
    "CREATE_TABLE_FUNCTION",
    "CREATE_PROCEDURE",
    "CREATE_SCHEMA",
    "CREATE_ROW_ACCESS_POLICY",
    "CREATE_MODEL",
    "ALTER_TABLE",
    "ALTER_VIEW",
    "ALTER_MATERIALIZED_VIEW",
    "ALTER_SCHEMA",
    "DROP",
    "DROP_FUNCTION",
    "DROP_TABLE_FUNCTION",
    "DROP_MATERIALIZED_VIEW",
    "DROP_SNAPSHOT_TABLE",
    "DROP_ROW_ACCESS_POLICY",
    "GRANT",
    "REVOKE",
    "AUX_LOAD_DATA",
)


def language_options() -> proto_options_pb.LanguageOptionsProto:
    return proto_options_pb.LanguageOptionsProto(
        name_resolution_mode=options_pb.NAME_RESOLUTION_DEFAULT,
        product_mode=options_pb.PRODUCT_EXTERNAL,
        enabled_language_features=[options_pb.LanguageFeature.Value(f"FEATURE_{f}") for f in _FEATURES],
        supported_statement_kinds=[kind_pb.ResolvedNodeKind.Value(f"RESOLVED_{s}_STMT") for s in _STATEMENTS],
        reserved_keywords=["QUALIFY"],
    )


def analyzer_options(
    parameters: Mapping[str, type_pb2.TypeProto] | None = None, *, infer_parameters: bool = False
) -> proto_options_pb.AnalyzerOptionsProto:
    """Named ``@parameters`` with the given types; with ``infer_parameters`` any other ``@name`` is
    accepted and typed by ZetaSQL from how it is used. Times default to UTC, as in BigQuery."""
    return proto_options_pb.AnalyzerOptionsProto(
        language_options=language_options(),
        error_message_mode=options_pb.ERROR_MESSAGE_ONE_LINE,
        default_timezone="UTC",
        parameter_mode=options_pb.PARAMETER_NAMED,
        query_parameters=[
            proto_options_pb.AnalyzerOptionsProto.QueryParameterProto(name=name, type=type_)
            for name, type_ in (parameters or {}).items()
        ],
        allow_undeclared_parameters=infer_parameters,
        preserve_column_aliases=True,
        system_variables=[
            proto_options_pb.AnalyzerOptionsProto.SystemVariableProto(name_path=name.split("."), type=_system_type(t))
            for name, t in _SYSTEM_VARIABLES.items()
        ],
    )


# BigQuery's scripting system variables (``@@name``), from the BigQuery reference.
_SYSTEM_VARIABLES = {
    "current_job_id": "STRING",
    "dataset_id": "STRING",
    "dataset_project_id": "STRING",
    "error.formatted_stack_trace": "STRING",
    "error.message": "STRING",
    "error.stack_trace": "ARRAY<STRUCT<line INT64, column INT64, filename STRING, location STRING>>",
    "error.statement_text": "STRING",
    "last_job_id": "STRING",
    "location": "STRING",
    "project_id": "STRING",
    "query_label": "STRING",
    "reservation": "STRING",
    "row_count": "INT64",
    "script.bytes_billed": "INT64",
    "script.bytes_processed": "INT64",
    "script.creation_time": "TIMESTAMP",
    "script.job_id": "STRING",
    "script.num_child_jobs": "INT64",
    "script.slot_ms": "INT64",
    "session_id": "STRING",
    "time_zone": "STRING",
}


def _system_type(spelling: str) -> type_pb2.TypeProto:
    if spelling.startswith("ARRAY<STRUCT<"):  # the one composite: @@error.stack_trace
        fields = [part.split() for part in spelling.removeprefix("ARRAY<STRUCT<").removesuffix(">>").split(",")]
        return array_of(struct_of({"name": n, "type": t} for n, t in fields))
    return scalar_type(spelling)


# BigQuery's names for the scalar types in table schemas (REST API) and in SQL.
_SCALARS = {
    "STRING": type_pb2.TYPE_STRING,
    "BYTES": type_pb2.TYPE_BYTES,
    "INT64": type_pb2.TYPE_INT64,
    "INTEGER": type_pb2.TYPE_INT64,
    "INT": type_pb2.TYPE_INT64,
    "SMALLINT": type_pb2.TYPE_INT64,
    "BIGINT": type_pb2.TYPE_INT64,
    "TINYINT": type_pb2.TYPE_INT64,
    "BYTEINT": type_pb2.TYPE_INT64,
    "FLOAT64": type_pb2.TYPE_DOUBLE,
    "FLOAT": type_pb2.TYPE_DOUBLE,
    "NUMERIC": type_pb2.TYPE_NUMERIC,
    "DECIMAL": type_pb2.TYPE_NUMERIC,
    "BIGNUMERIC": type_pb2.TYPE_BIGNUMERIC,
    "BIGDECIMAL": type_pb2.TYPE_BIGNUMERIC,
    "BOOL": type_pb2.TYPE_BOOL,
    "BOOLEAN": type_pb2.TYPE_BOOL,
    "DATE": type_pb2.TYPE_DATE,
    "DATETIME": type_pb2.TYPE_DATETIME,
    "TIME": type_pb2.TYPE_TIME,
    "TIMESTAMP": type_pb2.TYPE_TIMESTAMP,
    "JSON": type_pb2.TYPE_JSON,
    "GEOGRAPHY": type_pb2.TYPE_GEOGRAPHY,
    "INTERVAL": type_pb2.TYPE_INTERVAL,
}
SCALAR_TYPE_NAMES = frozenset(_SCALARS)


def scalar_type(name: str) -> type_pb2.TypeProto:
    try:
        return type_pb2.TypeProto(type_kind=_SCALARS[name.upper()])
    except KeyError:
        raise ValueError(f"not a BigQuery scalar type: {name}") from None


def array_of(element: type_pb2.TypeProto) -> type_pb2.TypeProto:
    return type_pb2.TypeProto(type_kind=type_pb2.TYPE_ARRAY, array_type=type_pb2.ArrayTypeProto(element_type=element))


def field_type(field: Mapping[str, Any]) -> type_pb2.TypeProto:
    """The ZetaSQL type of one BigQuery schema field: RECORD/STRUCT -> STRUCT, mode REPEATED -> ARRAY."""
    kind = str(field["type"]).upper()
    if kind in ("RECORD", "STRUCT"):
        base = struct_of(field.get("fields") or ())
    else:
        base = scalar_type(kind)
    return array_of(base) if str(field.get("mode", "NULLABLE")).upper() == "REPEATED" else base


def struct_of(fields: Iterable[Mapping[str, Any]]) -> type_pb2.TypeProto:
    return type_pb2.TypeProto(
        type_kind=type_pb2.TYPE_STRUCT,
        struct_type=type_pb2.StructTypeProto(
            field=[type_pb2.StructFieldProto(field_name=f["name"], field_type=field_type(f)) for f in fields]
        ),
    )


def type_name(type_: type_pb2.TypeProto) -> str:
    """BigQuery's spelling of a ZetaSQL type, for reports (``ARRAY<STRUCT<a STRING>>``)."""
    if type_.type_kind == type_pb2.TYPE_ARRAY:
        return f"ARRAY<{type_name(type_.array_type.element_type)}>"
    if type_.type_kind == type_pb2.TYPE_STRUCT:
        inner = ", ".join(f"{f.field_name} {type_name(f.field_type)}" for f in type_.struct_type.field)
        return f"STRUCT<{inner}>"
    names = {v: k for k, v in reversed(list(_SCALARS.items()))}  # first spelling wins: INT64, FLOAT64, BOOL
    return names.get(type_.type_kind, type_pb2.TypeKind.Name(type_.type_kind).removeprefix("TYPE_"))
