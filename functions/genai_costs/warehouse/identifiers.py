"""Binding identifier slots in SQL templates through the AST, never through string formatting.

A template names its slots with placeholder identifiers (``target_table``, ``window_date``);
callers map them to names that were validated against a table spec first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlglot import exp

from ..errors import ValidationError

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def bind_identifiers(
    tree: exp.Expression, tables: Mapping[str, str], columns: Mapping[str, str] | None = None
) -> exp.Expression:
    for value in [*tables.values(), *(columns or {}).values()]:
        if not _IDENT.fullmatch(value):
            raise ValidationError(f"not a plain identifier: {value[:60]!r}")
    tree = tree.copy()
    for table in tree.find_all(exp.Table):
        if table.name in tables and not table.args.get("db"):
            table.set("this", exp.to_identifier(tables[table.name]))
    for col in tree.find_all(exp.Column):
        if columns and col.name in columns:
            col.set("this", exp.to_identifier(columns[col.name]))
    return tree
