"""Serializing rows for load jobs (newline-delimited JSON, as BigQuery load jobs take it)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..errors import WarehouseError


def _default(value: Any) -> Any:
    # Decimals travel as strings so no float ever touches money.
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a load row; use UTC-aware datetimes")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def write_ndjson(rows: Iterable[Mapping[str, Any]], fields: list[str], out: IO[str]) -> int:
    """Write ``rows`` restricted to ``fields``; unknown keys are an error, missing are NULL."""
    allowed, count = set(fields), 0
    for row in rows:
        extra = set(row) - allowed
        if extra:
            raise ValueError(f"row has fields not in the table schema: {sorted(extra)}")
        out.write(json.dumps({f: row.get(f) for f in fields}, default=_default))
        out.write("\n")
        count += 1
    return count


def ndjson_file(rows: Iterable[Mapping[str, Any]], fields: list[str], path: Path) -> int:
    with path.open("w", encoding="utf-8") as fh:
        return write_ndjson(rows, fields, fh)


def within_window(
    rows: Iterable[Mapping[str, Any]], field: str, start: dt.date, end: dt.date
) -> Iterator[Mapping[str, Any]]:
    """A window replace must never write outside its window."""
    for row in rows:
        value = row.get(field)
        day = value.date() if isinstance(value, dt.datetime) else value
        if not isinstance(day, dt.date) or not (start <= day < end):
            raise WarehouseError(f"row outside window [{start}, {end}): {field}={value!r}")
        yield row
