"""The shape of the consolidation chain: each procedure has one job (writes one table), each output
table's column list is written once (one INSERT), the runner calls every procedure in chain order,
and the branches of every UNION ALL line up column by column (UNION ALL is positional: a branch with
its columns in another order would silently write values into the wrong columns)."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from genai_costs.consolidation import (
    ATTRIBUTION_PROCEDURES,
    EVENTS_PROCEDURES,
    PROCEDURES,
    RECONCILIATION_PROCEDURES,
)
from genai_costs.paths import sql_root
from genai_costs.pricing.corrections import CORRECTION_PROCEDURE
from genai_costs.warehouse.sqlfiles import is_transaction_control, load_procedures, load_table_functions

PROCS = load_procedures(sql_root())
FUNCTIONS = {name: fn.parsed() for name, fn in load_table_functions(sql_root()).items()}
STATEMENTS = [
    (name, stmt) for name, proc in PROCS.items() for stmt in proc.parsed() if not is_transaction_control(stmt)
]


def _target(stmt: exp.Expression) -> str | None:
    if isinstance(stmt, (exp.Insert, exp.Delete, exp.Merge, exp.Update)):
        table = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
        return table.name if isinstance(table, exp.Table) else None
    return None


def test_the_runner_calls_every_procedure_in_chain_order():
    # sp_genai_0 runs first, over its own wider window; the correction procedure runs outside the chain,
    # after a price change, on closed months only (pricing/corrections.py)
    chain = {*EVENTS_PROCEDURES, *PROCEDURES, *ATTRIBUTION_PROCEDURES, *RECONCILIATION_PROCEDURES}
    assert {*chain, CORRECTION_PROCEDURE} == set(PROCS)
    assert list(PROCEDURES) == sorted(PROCEDURES)  # sp_genai_1 -> 2 -> 3 -> 3b
    assert [p[:10] for p in PROCEDURES[:3]] == ["sp_genai_1", "sp_genai_2", "sp_genai_3"]
    assert PROCEDURES[:3] == (
        "sp_genai_1_consolidate_usage_daily",
        "sp_genai_2_consolidate_costs_daily",
        "sp_genai_3_convert_to_focus",
    )


@pytest.mark.parametrize("name", sorted(PROCS))
def test_each_procedure_writes_one_table(name):
    targets = {_target(stmt) for proc, stmt in STATEMENTS if proc == name}
    # the correction ledger and its FOCUS Correction rows are written together, so one cannot exist alone
    expected = 2 if name == CORRECTION_PROCEDURE else 1
    assert len(targets - {None}) == expected, f"{name} writes {sorted(t for t in targets if t)}"


def _copies_own_rows(insert: exp.Insert) -> bool:
    """``INSERT INTO t SELECT r.* EXCEPT (...) REPLACE (...) FROM <rows of t>`` (sp_genai_4c splitting FOCUS
    charges): no column list of its own, so nothing to drift from the one that wrote the rows."""
    select = insert.expression
    if isinstance(insert.this, exp.Schema) or not isinstance(select, exp.Select) or len(select.expressions) != 1:
        return False
    star = select.expressions[0]
    return isinstance(star, exp.Star) or (isinstance(star, exp.Column) and isinstance(star.this, exp.Star))


def test_each_output_column_list_is_written_once():
    # the chain's outputs; the correction procedure adds ChargeClass 'Correction' rows to closed months only
    inserts = [
        _target(s)
        for p, s in STATEMENTS
        if isinstance(s, exp.Insert) and p != CORRECTION_PROCEDURE and not _copies_own_rows(s)
    ]
    repeated = {t for t in inserts if inserts.count(t) > 1}
    assert not repeated, f"more than one INSERT into {sorted(repeated)}"


def _output_names(select: exp.Expression, ctes: dict[str, exp.Expression]) -> list[str] | None:
    """Column names a SELECT produces, resolving ``SELECT * FROM cte`` and ``SELECT * FROM table_function(...)``;
    None when not all are named."""
    if not isinstance(select, exp.Select):
        return None
    projections = select.expressions
    if len(projections) == 1 and isinstance(projections[0], exp.Star):
        source = (select.args.get("from") or select.args.get("from_")).this
        if isinstance(source, exp.Table) and isinstance(source.this, exp.Anonymous) and source.this.name in FUNCTIONS:
            body = FUNCTIONS[source.this.name]
            return _output_names(body, {cte.alias: cte.this for cte in body.find_all(exp.CTE)})
        if isinstance(source, exp.Table) and source.name in ctes:
            return _output_names(ctes[source.name], ctes)
        return None
    names = [p.alias_or_name for p in projections]
    return (
        names if all(n and n != "*" for n in names) and not any(isinstance(p, exp.Star) for p in projections) else None
    )


def _branches(union: exp.Union) -> list[exp.Expression]:
    out, stack = [], [union]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Union):
            stack += [node.expression, node.this]
        else:
            out.append(node)
    return out


def misaligned_unions(stmt: exp.Expression) -> list[str]:
    ctes = {cte.alias: cte.this for cte in stmt.find_all(exp.CTE)}
    problems = []
    for union in stmt.find_all(exp.Union):
        if isinstance(union.parent, exp.Union):
            continue  # checked with its outermost union
        named = [_output_names(b, ctes) for b in _branches(union)]
        first = named[0]
        if first is None:
            continue
        for other in named[1:]:
            if other is not None and other != first:
                diff = next(i for i, (a, b) in enumerate(zip(first, other, strict=False)) if a != b)
                problems.append(f"column {diff}: {first[diff]} vs {other[diff]}")
            elif other is not None and len(other) != len(first):
                problems.append(f"{len(first)} vs {len(other)} columns")
    return problems


@pytest.mark.parametrize("name", sorted(PROCS) + sorted(FUNCTIONS))
def test_union_branches_line_up_by_name(name):
    statements = [FUNCTIONS[name]] if name in FUNCTIONS else [stmt for proc, stmt in STATEMENTS if proc == name]
    for stmt in statements:
        assert not misaligned_unions(stmt), f"{name}: {misaligned_unions(stmt)}"


def test_the_costs_insert_lines_up_its_four_jobs():
    (insert,) = [s for p, s in STATEMENTS if p == "sp_genai_2_consolidate_costs_daily" and isinstance(s, exp.Insert)]
    union = next(insert.find_all(exp.Union))
    ctes = {cte.alias: cte.this for cte in insert.find_all(exp.CTE)}
    named = [_output_names(b, ctes) for b in _branches(union)]
    columns = [c.name for c in insert.this.expressions]
    assert len(named) == 4 and all(n is not None and len(n) == len(columns) - 1 == 40 for n in named)
    assert named[0] + ["consolidated_at"] == columns


def test_the_alignment_check_catches_swapped_columns():
    bad = sqlglot.parse_one(
        "WITH a AS (SELECT 1 AS x, 2 AS y), b AS (SELECT 2 AS y, 1 AS x) SELECT * FROM a UNION ALL SELECT * FROM b",
        read="bigquery",
    )
    assert misaligned_unions(bad) == ["column 0: x vs y"]
