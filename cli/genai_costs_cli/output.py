"""Shared output pieces of the command: how a value is shown (money, counts, percentages), a
terminal table that fits 80 columns, and the CSV / JSON exports (exact values, machine keys)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

Row = dict[str, Any]
Kind = Literal["text", "money", "int", "pct", "qty", "date"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = "text"
    total: bool = False  # summed in the table's total row

    @property
    def numeric(self) -> bool:
        return self.kind in ("money", "int", "pct", "qty")


def make_console(*, stderr: bool = False) -> Console:
    """A terminal console as wide as the terminal; piped (CI logs), as wide as $COLUMNS or 100."""
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=int(os.environ.get("COLUMNS") or 100), soft_wrap=False)


def money(value: Decimal | int | None, *, cents: bool = True) -> str:
    if value is None:
        return "-"
    amount = Decimal(value)
    text = f"${abs(amount):,.2f}" if cents else f"${abs(amount):,.0f}"
    return f"-{text}" if amount < 0 and text.strip("$0.,") else text


def count(value: Decimal | int | None) -> str:
    return "-" if value is None else f"{int(value):,}"


def fmt(value: Any, kind: Kind) -> str:
    if value is None:
        return "-"
    if kind == "money":
        return money(value)
    if kind == "int":
        return count(value)
    if kind == "pct":
        return f"{Decimal(value):,.1f}%"
    if kind == "qty":
        return f"{Decimal(value):,.1f}"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def totals(rows: Sequence[Row], columns: Sequence[Column]) -> Row | None:
    """The total row: summed columns marked ``total``, the first column says 'Total'."""
    if not rows or not any(c.total for c in columns):
        return None
    out: Row = {c.key: None for c in columns}
    out[columns[0].key] = "Total"
    for c in columns:
        if c.total:
            out[c.key] = sum((Decimal(r[c.key]) for r in rows if r.get(c.key) is not None), Decimal(0))
    return out


def terminal_table(
    title: str, rows: Sequence[Row], columns: Sequence[Column], caption: str | None = None, max_rows: int | None = None
) -> Table:
    """Numbers never wrap or get cut (they are the point); text columns fold onto more lines. With
    ``max_rows``, the first rows are shown and the totals still count every row."""
    table = Table(
        title=title,
        title_justify="left",
        caption=caption,
        caption_justify="left",
        caption_style="dim",
        show_edge=False,
        pad_edge=False,
        expand=False,
    )
    for c in columns:
        if c.numeric:
            table.add_column(c.header, justify="right", no_wrap=True)
        else:
            table.add_column(c.header, overflow="fold", max_width=28)
    shown = rows if max_rows is None else rows[:max_rows]
    for r in shown:
        table.add_row(*(fmt(r.get(c.key), c.kind) for c in columns))
    if len(shown) < len(rows):
        more = f"… {len(rows) - len(shown):,} more rows (every row: --format csv or json)"
        table.add_row(more, *([""] * (len(columns) - 1)), style="dim")
    total = totals(rows, columns)
    if total is not None:
        table.add_section()
        table.add_row(*(fmt(total[c.key], c.kind) if total[c.key] is not None else "" for c in columns), style="bold")
    return table


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def to_csv(rows: Iterable[Row], columns: Sequence[Column]) -> str:
    """Exact values (decimals in full, ISO dates) under the columns' machine keys."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in columns])
    for r in rows:
        writer.writerow(["" if r.get(c.key) is None else _plain(r.get(c.key)) for c in columns])
    return buffer.getvalue()


def json_rows(rows: Iterable[Row], columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Money and quantities as decimal strings (JSON numbers are floats to most readers)."""
    out = []
    for r in rows:
        item = {}
        for c in columns:
            value = _plain(r.get(c.key))
            item[c.key] = str(value) if isinstance(r.get(c.key), Decimal) else value
        out.append(item)
    return out


def to_json(document: Any) -> str:
    return json.dumps(document, indent=2, default=str)
