"""Audit rows (``llm_pricing_audit``): who changed which catalog row when, with the row before and after."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .rates import canonical

AUDIT_TABLE = "llm_pricing_audit"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(canonical(value), "f")  # 0.0081, whether it came back from NUMERIC as 0.008100000 or not
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def row_json(row: Mapping[str, Any] | None) -> str | None:
    """A row as JSON text: exact decimals as strings, keys sorted, so equal rows give equal text."""
    if row is None:
        return None
    return json.dumps(dict(row), default=_plain, sort_keys=True, separators=(",", ":"))


def audit_row(
    *,
    table: str,
    row_id: str,
    action: str,
    actor: str,
    at: dt.datetime,
    provider: str | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "audit_id": str(uuid.uuid4()),
        "changed_at": at,
        "actor": actor,
        "action": action,
        "table_name": table,
        "row_id": row_id,
        "provider": provider,
        "reason": reason,
        "before_json": row_json(before),
        "after_json": row_json(after),
    }
