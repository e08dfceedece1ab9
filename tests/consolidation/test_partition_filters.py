"""Every statement of every procedure and table function (the procedures' jobs) that reads a
date-partitioned table, or a union view over such tables, filters on its partition column by the
window parameters, so BigQuery scans the window, not history. Proven from the parsed SQL; and the
large tables refuse unfiltered queries."""

from __future__ import annotations

import pytest
from sqlglot import exp

from genai_costs.model.provider_catalog import PROVIDERS
from genai_costs.paths import sql_root
from genai_costs.warehouse.sqlfiles import (
    is_transaction_control,
    load_procedures,
    load_table_functions,
    load_views,
)
from genai_costs.warehouse.tables import load_table_specs

SPECS = load_table_specs(sql_root())
TABLE_PARTITIONS = {name: spec.partition_field for name, spec in SPECS.items() if spec.partition_field}
# p_runs_since: the lower bound of the run-ledger lookback (genai_billed_through, read by budgets).
WINDOW_PARAMS = {"p_start_date", "p_end_date", "p_runs_since"}
LARGE = [t for p in PROVIDERS for t in p.raw_tables if not t.endswith("_quarantine")] + [
    "genai_usage_daily",
    "genai_costs_daily_unified",
    "cost_data_standard_1_3",
]


def union_view_partition(query: exp.Expression) -> str | None:
    """The partition column of a pass-through union of partitioned tables (the provider catalog's
    union views), or None when the view is anything else."""
    if not isinstance(query, exp.Union):
        return None
    branches, fields = [], set()
    stack: list[exp.Expression] = [query]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Union):
            stack += [node.this, node.expression]
        else:
            branches.append(node)
    for select in branches:
        tables = list(select.find_all(exp.Table))
        if not isinstance(select, exp.Select) or len(tables) != 1 or tables[0].name not in TABLE_PARTITIONS:
            return None
        if any(select.args.get(k) for k in ("where", "group", "having", "joins", "qualify", "limit")):
            return None
        fields.add(TABLE_PARTITIONS[tables[0].name])
    return fields.pop() if len(fields) == 1 else None


VIEW_PARTITIONS = {
    name: field
    for name, view in load_views(sql_root()).items()
    if (field := union_view_partition(view.parsed().expression)) is not None
}
PARTITIONED = {**TABLE_PARTITIONS, **VIEW_PARTITIONS}


def names_window_param(expression: exp.Expression) -> bool:
    return bool({c.name for c in expression.find_all(exp.Column)} & WINDOW_PARAMS)


def _bounded_by_window(condition: exp.Expression | None, column: str, alias: str | None) -> bool:
    if condition is None:
        return False
    for cmp in condition.find_all(exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ):
        sides = (cmp.this, cmp.expression)
        for side, other in (sides, sides[::-1]):
            is_column = isinstance(side, exp.Column) and side.name == column
            if is_column and (not side.table or side.table == alias) and names_window_param(other):
                return True
    return False


def _scope_condition(table: exp.Table) -> exp.Expression | None:
    """The filter that applies to a table read: the WHERE of its SELECT/DELETE, or a JOIN's ON."""
    join = table.find_ancestor(exp.Join)
    if join is not None and join.this is table:
        return exp.and_(join.args.get("on"), (join.find_ancestor(exp.Select) or exp.Select()).args.get("where"))
    parent = table.find_ancestor(exp.Select, exp.Delete, exp.Update)
    return parent.args.get("where") if parent is not None else None


CASES = [
    (proc.name, i, stmt)
    for proc in load_procedures(sql_root()).values()
    for i, stmt in enumerate(proc.parsed())
    if not is_transaction_control(stmt)
] + [(fn.name, 0, fn.parsed()) for fn in load_table_functions(sql_root()).values()]


def test_the_procedures_jobs_are_checked():
    assert {"genai_costs_payg", "genai_costs_commitment", "genai_costs_infrastructure"} <= {c[0] for c in CASES}


@pytest.mark.parametrize("proc, index, statement", CASES, ids=[f"{p}#{i}" for p, i, _ in CASES])
def test_every_partitioned_read_is_window_filtered(proc, index, statement):
    insert_target = (
        statement.this.this
        if isinstance(statement, exp.Insert) and isinstance(statement.this, exp.Schema)
        else statement.this
        if isinstance(statement, exp.Insert)
        else None
    )
    for table in statement.find_all(exp.Table):
        if (
            table.name not in PARTITIONED
            or table is insert_target
            or (insert_target is not None and table is getattr(insert_target, "this", None))
        ):
            continue
        assert _bounded_by_window(_scope_condition(table), PARTITIONED[table.name], table.alias or None), (
            f"{proc} statement {index}: {table.name} is read without a filter on "
            f"{PARTITIONED[table.name]} by {sorted(WINDOW_PARAMS)}"
        )


def test_the_catalogs_union_views_are_recognised_as_partitioned():
    assert set(VIEW_PARTITIONS) == {"genai_payg_usage_all", "genai_payg_costs_all", "genai_commitment_capacity_all"}
    assert set(VIEW_PARTITIONS.values()) == {"usage_date"}


def test_the_checker_catches_an_unfiltered_read_through_a_union_view():
    import sqlglot

    bad = sqlglot.parse_one("SELECT * FROM genai_payg_usage_all WHERE org_slug = p_org_slug", read="bigquery")
    table = next(bad.find_all(exp.Table))
    assert table.name in PARTITIONED
    assert not _bounded_by_window(_scope_condition(table), PARTITIONED[table.name], None)
    filtered_view = sqlglot.parse_one(
        "CREATE VIEW v AS SELECT a FROM genai_payg_openai_usage WHERE usage_date > '2026-01-01' "
        "UNION ALL SELECT a FROM genai_payg_anthropic_usage",
        read="bigquery",
    )
    assert union_view_partition(filtered_view.expression) is None  # a filter inside would stop pushdown


def test_the_checker_catches_an_unfiltered_read():
    import sqlglot

    bad = sqlglot.parse_one("SELECT * FROM genai_usage_daily WHERE org_slug = p_org_slug", read="bigquery")
    table = next(bad.find_all(exp.Table))
    assert not _bounded_by_window(_scope_condition(table), "usage_date", None)
    good = sqlglot.parse_one(
        "SELECT * FROM genai_usage_daily AS u WHERE u.usage_date >= DATE_SUB(p_start_date, INTERVAL 1 DAY)",
        read="bigquery",
    )
    table = next(good.find_all(exp.Table))
    assert _bounded_by_window(_scope_condition(table), "usage_date", "u")


@pytest.mark.parametrize("name", LARGE)
def test_large_tables_require_a_partition_filter(name):
    spec = SPECS[name]
    assert spec.timePartitioning and spec.timePartitioning.requirePartitionFilter, name
