"""Small response helpers shared by the provider modules."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Response

from provider_sim.dataset_types import Usage, UsageRow

K = TypeVar("K")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON in insertion order (providers' field order), unlike Flask's sorted jsonify."""
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def encode_token(prefix: str, payload: Any) -> str:
    return prefix + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_token(prefix: str, token: str) -> Any:
    """Inverse of encode_token; raises ValueError on anything it did not issue."""
    if not token.startswith(prefix):
        raise ValueError("bad page token")
    try:
        return json.loads(base64.urlsafe_b64decode(token[len(prefix) :].encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ValueError("bad page token") from exc


def aggregate(rows: Iterable[UsageRow], key: Callable[[UsageRow], K]) -> dict[K, Usage]:
    totals: dict[K, Usage] = {}
    for row in rows:
        k = key(row)
        totals[k] = totals[k] + row.usage if k in totals else row.usage
    return totals


def sort_key(value: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    """Stable ordering for group keys that may contain None."""
    return tuple((v is not None, str(v)) for v in value)
