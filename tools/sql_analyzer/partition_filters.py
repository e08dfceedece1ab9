"""``requirePartitionFilter``: a BigQuery rule ZetaSQL's analyzer does not know, checked on its resolved tree.

BigQuery refuses a query (or DELETE / UPDATE / MERGE) that reads a table created with
``requirePartitionFilter`` unless some filter (WHERE, ON, a MERGE condition) references the table's
partition column. Filters reach the column through CTEs, UNION ALL branches, views and plain
column aliases, so the check follows column lineage through those; a filter on an expression of
the column (``DATE(ts) = ...``) does not count. This catches a missing filter, not an ineligible
one (BigQuery also rejects e.g. a filter only under an OR with another column).

A view is not executed when it is created: an unfiltered required scan whose partition column
the view outputs becomes a requirement of the view itself (its readers must filter that output
column); if the view does not output the column, every query of it fails and the view is reported.

A table function is the same, with parameters: BigQuery expands its body into each call, so a filter
in the body counts whatever the caller passes (``usage_date >= p_start_date`` filters every call,
and the caller passing its window parameters is enough). An unfiltered scan in the body passes the
requirement on to callers on the output column (a filter on that column of the call's result), or
makes every call fail if the function does not output the column.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from google.protobuf.message import Message

from .protos import inherited, unwrap

_FILTER_FIELDS = frozenset({"filter_expr", "join_expr", "where_expr", "merge_expr", "match_expr"})


Required = Mapping[str, Sequence[str]]  # table or table function (lower case) -> columns to filter


@dataclass(frozen=True)
class Unfiltered:
    table: str  # a table or view, or a table function (``function``)
    column: str
    function: bool = False

    def message(self) -> str:
        read = f"table function {self.table}" if self.function else self.table
        return f"reads {read} without a filter on {self.column}: BigQuery requires one (requirePartitionFilter)"


def unfiltered_scans(statement: Message, tables: Required, functions: Required | None = None) -> list[Unfiltered]:
    """Reads of ``tables`` (table -> partition columns, lower case) and calls of ``functions`` (table
    function -> output columns) that no filter restricts."""
    node = unwrap(statement)
    _, filtered = _filters(node)
    return [scan for scan, column_id in _required_scans(node, tables, functions or {}) if column_id not in filtered]


def view_requirements(
    statement: Message, tables: Required, functions: Required | None = None
) -> tuple[list[Unfiltered], tuple[str, ...]]:
    """For a CREATE VIEW or CREATE TABLE FUNCTION: the scans no reader can ever filter, and the
    view's (function's) own partition filters (output columns its readers must filter)."""
    view = unwrap(statement)
    lineage, filtered = _filters(view)
    outputs = {c.name: _closure({c.column.column_id}, lineage) for c in inherited(view, "output_column_list")}
    hopeless, passed_on = [], set()
    for scan, column_id in _required_scans(view, tables, functions or {}):
        if column_id in filtered:
            continue
        exposed = sorted(name.lower() for name, sources in outputs.items() if column_id in sources)
        if exposed:
            passed_on.add(exposed[0])
        else:
            hopeless.append(scan)
    return hopeless, tuple(sorted(passed_on))


def _filters(statement: Message) -> tuple[dict[int, set[int]], set[int]]:
    """Column lineage, and every column id some filter references (directly or through copies)."""
    nodes = list(_walk(statement))
    lineage = _lineage(nodes)
    referenced = {ref for name, node in nodes if name in _FILTER_FIELDS for ref in _column_refs(node)}
    return lineage, _closure(referenced, lineage)


def _required_scans(
    statement: Message, tables: Required, functions: Required
) -> Iterator[tuple[Unfiltered, int | None]]:
    """Each read of a table (or call of a table function) that requires a filter, as the read
    without one and the column id of the column to filter in the scan (None: the scan drops it)."""
    for scan in _read_scans(statement):
        is_function = scan.DESCRIPTOR.name == "ResolvedTVFScanProto"
        name = scan.tvf.name if is_function else scan.table.name
        for column in (functions if is_function else tables).get(name.lower(), ()):
            ids = [c.column_id for c in inherited(scan, "column_list") if c.name.lower() == column]
            yield Unfiltered(name, column, is_function), ids[0] if ids else None


def _walk(message: Message, field_name: str = "") -> Iterator[tuple[str, Message]]:
    """Every sub-message with the name of the field that holds it."""
    yield field_name, message
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        for item in value if field.is_repeated else (value,):
            yield from _walk(item, field.name)


def _column_refs(expression: Message) -> Iterator[int]:
    for _, node in _walk(expression):
        if node.DESCRIPTOR.name == "ResolvedColumnRefProto":
            yield node.column.column_id


def _read_scans(statement: Message) -> Iterator[Message]:
    """Table scans that read (an INSERT's target scan only names where rows go) and table function calls."""
    skip = statement.table_scan if statement.DESCRIPTOR.name == "ResolvedInsertStmtProto" else None
    for _, node in _walk(statement):
        kind = node.DESCRIPTOR.name
        if (kind == "ResolvedTableScanProto" and node != skip) or kind == "ResolvedTVFScanProto":
            yield node


def _lineage(nodes: list[tuple[str, Message]]) -> dict[int, set[int]]:
    """column id -> the column ids it is a plain copy of (aliases, CTE references, UNION branches)."""
    lineage: dict[int, set[int]] = {}

    def link(column_id: int, source_id: int) -> None:
        lineage.setdefault(column_id, set()).add(source_id)

    with_queries = {}
    for _, node in nodes:
        kind = node.DESCRIPTOR.name
        if kind == "ResolvedComputedColumnProto":
            expression = unwrap(node.expr)
            if expression.DESCRIPTOR.name == "ResolvedColumnRefProto":
                link(node.column.column_id, expression.column.column_id)
        elif kind == "ResolvedSetOperationScanProto":
            for item in node.input_item_list:
                for out, source in zip(inherited(node, "column_list"), item.output_column_list, strict=False):
                    link(out.column_id, source.column_id)
        elif kind == "ResolvedWithEntryProto":
            with_queries[node.with_query_name] = inherited(unwrap(node.with_subquery), "column_list")
    for _, node in nodes:
        if node.DESCRIPTOR.name == "ResolvedWithRefScanProto" and node.with_query_name in with_queries:
            for out, source in zip(inherited(node, "column_list"), with_queries[node.with_query_name], strict=False):
                link(out.column_id, source.column_id)
    return lineage


def _closure(ids: set[int], lineage: Mapping[int, set[int]]) -> set[int]:
    """The ids and every column they copy, transitively."""
    seen, stack = set(ids), list(ids)
    while stack:
        for source in lineage.get(stack.pop(), ()):
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return seen
