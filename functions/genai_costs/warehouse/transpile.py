"""BigQuery SQL -> DuckDB SQL: sqlglot plus the fix-ups for its known silent gaps.

sqlglot handles most of the dialect gap. Each function below closes one gap that would
otherwise give a *wrong answer* rather than an error (measured in
``../shared/reference/local-engine.md``), or turns an obscure engine failure into a clear
:class:`SqlTranspileError`. Every fix-up has a test in ``tests/warehouse/test_transpile.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlglot import exp
from sqlglot.errors import ErrorLevel

from ..errors import SqlTranspileError

Fixup = Callable[[exp.Expression], exp.Expression]
MONEY = exp.DataType.build("DECIMAL(38, 9)")


def numeric_keeps_nine_decimals(tree: exp.Expression) -> exp.Expression:
    """NUMERIC would become DECIMAL(18,3) and lose money digits: use BigQuery's (38,9)."""
    for dt in tree.find_all(exp.DataType):
        if dt.this in (exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGDECIMAL) and not dt.expressions:
            dt.replace(MONEY.copy())
    return tree


def date_functions_return_dates(tree: exp.Expression) -> exp.Expression:
    """BigQuery DATE_TRUNC/DATE_ADD/DATE_SUB return DATE; DuckDB returns TIMESTAMP."""
    for node in list(tree.find_all(exp.DateTrunc, exp.DateAdd, exp.DateSub)):
        if not isinstance(node.parent, exp.Cast):
            node.replace(exp.cast(node.copy(), exp.DataType.Type.DATE))
    return tree


def dayofweek_is_one_based(tree: exp.Expression) -> exp.Expression:
    """EXTRACT(DAYOFWEEK) is 1 (Sunday) .. 7 in BigQuery, 0 .. 6 in DuckDB."""
    for node in list(tree.find_all(exp.Extract)):
        if node.this.name.upper() == "DAYOFWEEK":
            node.replace(exp.paren(exp.Add(this=node.copy(), expression=exp.Literal.number(1))))
    return tree


def ddl_options_have_no_local_meaning(tree: exp.Expression) -> exp.Expression:
    """PARTITION BY / CLUSTER BY / OPTIONS(...) steer BigQuery storage; DuckDB has none."""
    props = tree.args.get("properties") if isinstance(tree, exp.Create) else None
    if props:
        keep = [
            p
            for p in props.expressions
            if not isinstance(p, (exp.PartitionedByProperty, exp.ClusteredByProperty, exp.Property))
            or isinstance(p, exp.TemporaryProperty)
        ]
        props.set("expressions", keep)
    return tree


def drop_project_qualifier(tree: exp.Expression) -> exp.Expression:
    """``project.dataset.table`` -> ``dataset.table``: one DuckDB file plays one project."""
    for table in tree.find_all(exp.Table):
        if table.args.get("catalog"):
            table.set("catalog", None)
    return tree


def hex_sha256_is_one_call(tree: exp.Expression) -> exp.Expression:
    """``TO_HEX(SHA256(x))`` would become ``LOWER(HEX(UNHEX(SHA256(x))))``: a hex -> bytes -> hex round
    trip per row. DuckDB's ``sha256`` already returns the lower-case hex digest: the same value."""
    for node in list(tree.find_all(exp.LowerHex)):
        digest = node.this
        if isinstance(digest, exp.SHA2Digest) and digest.text("length") in ("", "256"):
            node.replace(exp.Anonymous(this="SHA256", expressions=[digest.this.copy()]))
    return tree


def reject_unsupported(tree: exp.Expression) -> exp.Expression:
    """Constructs sqlglot passes through or mistranslates; fail loudly, name the fix."""
    for func in tree.find_all(exp.Func):
        if func.sql_name() == "FARM_FINGERPRINT" or (
            isinstance(func, exp.Anonymous) and func.name.upper() == "FARM_FINGERPRINT"
        ):
            raise SqlTranspileError(
                "FARM_FINGERPRINT has no embedded equivalent with equal values; use TO_HEX(SHA256(...)) for stable keys"
            )
    for agg in tree.find_all(exp.ArrayAgg):
        if agg.find(exp.Limit):
            raise SqlTranspileError("ARRAY_AGG(... LIMIT n) is not supported embedded; use QUALIFY/ROW_NUMBER")
    for unnest in tree.find_all(exp.Unnest):
        if unnest.args.get("offset"):
            raise SqlTranspileError("UNNEST ... WITH OFFSET is off by one embedded; use ROW_NUMBER() - 1")
    for merge_insert in tree.find_all(exp.Insert):
        if (
            isinstance(merge_insert.parent, exp.When)
            and merge_insert.this is not None
            and isinstance(merge_insert.this, exp.Var)
            and merge_insert.this.name.upper() == "ROW"
        ):
            raise SqlTranspileError("MERGE ... INSERT ROW is not supported embedded; list the columns")
    return tree


def bind_procedure_params(names: Iterable[str]) -> Fixup:
    """Procedure parameters (bare ``p_x`` identifiers in a body) become bound placeholders."""
    wanted = {n.lower() for n in names}

    def fix(tree: exp.Expression) -> exp.Expression:
        for col in list(tree.find_all(exp.Column)):
            if not col.table and col.name.lower() in wanted:
                col.replace(exp.Placeholder(this=col.name.lower()))
        return tree

    return fix


def query_params_to_placeholders(tree: exp.Expression) -> exp.Expression:
    """``@p_x`` named query parameters -> DuckDB ``$p_x``."""
    for param in list(tree.find_all(exp.Parameter)):
        param.replace(exp.Placeholder(this=param.name.lower()))
    return tree


FIXUPS: tuple[Fixup, ...] = (
    reject_unsupported,
    numeric_keeps_nine_decimals,
    date_functions_return_dates,
    dayofweek_is_one_based,
    ddl_options_have_no_local_meaning,
    drop_project_qualifier,
    query_params_to_placeholders,
    hex_sha256_is_one_call,
)


def to_duckdb(tree: exp.Expression, *, procedure_params: Iterable[str] = ()) -> tuple[str, list[str]]:
    """Return DuckDB SQL and the placeholder names it binds, in no particular order."""
    tree = tree.copy()
    for fix in (*FIXUPS, bind_procedure_params(procedure_params)):
        tree = fix(tree)
    placeholders = sorted({p.name for p in tree.find_all(exp.Placeholder)})
    try:
        sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except Exception as exc:  # sqlglot.errors.UnsupportedError and friends
        raise SqlTranspileError(f"cannot express in DuckDB: {exc}") from exc
    return sql, placeholders
