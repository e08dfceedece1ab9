"""A Pub/Sub BigQuery subscription, embedded: each message delivered by the in-process bus becomes one
row of a warehouse table, as Pub/Sub writes it with ``use_table_schema`` and ``write_metadata``.

What the real subscription does, and so this one:
- the message data is a JSON object whose top-level keys name the table's columns; a key with no
  column fails the write (``drop_unknown_fields`` off), as does a missing or null REQUIRED value or a
  value the column type cannot take. A failed write raises, so the bus redelivers the message and
  finally dead-letters it, as the subscription's dead-letter policy does;
- ``write_metadata`` adds ``subscription_name``, ``message_id``, ``publish_time`` and ``attributes``
  (a JSON object);
- delivery is at least once: a redelivered message is written again (same message id).

Inside :meth:`BigQuerySubscription.batched`, rows are appended ``batch_rows`` at a time, each batch one
load (one transaction), as the real subscription writes through the Storage Write API in batches; a
message that does not fit still raises at once. Outside it each message is its own load.

Type mapping (JSON -> column): STRING from a string; INT64 from an integer; BOOL from a boolean;
NUMERIC from a decimal string or a number with at most 9 decimals; TIMESTAMP from an RFC 3339 string
with a zone; JSON from any value; RECORD from an object; REPEATED from an array.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cloudevents.http import CloudEvent

from genai_costs.errors import ValidationError
from genai_costs.warehouse.base import Warehouse
from genai_costs.warehouse.tables import FieldSpec, TableSpec

METADATA_COLUMNS = ("subscription_name", "message_id", "publish_time", "attributes")
_NANO = Decimal("0.000000001")


class SubscriptionWriteError(ValidationError):
    """The message does not fit the table: BigQuery refuses the row (then the dead-letter topic)."""


class BigQuerySubscription:
    """A subscriber for :class:`InProcessBus` writing each message to ``dataset.table``."""

    def __init__(
        self, warehouse: Warehouse, dataset: str, spec: TableSpec, *, name: str, batch_rows: int = 500
    ) -> None:
        missing = [c for c in METADATA_COLUMNS if c not in spec.field_names]
        if missing:
            raise ValueError(f"{spec.name} lacks the write_metadata columns {missing}")
        self.warehouse, self.dataset, self.spec, self.name = warehouse, dataset, spec, name
        self._data_fields = [f for f in spec.fields if f.name not in METADATA_COLUMNS]
        self.rows_written = 0
        self.loads = 0
        self.batch_rows = batch_rows
        self._pending: list[dict[str, Any]] | None = None  # a list while batched

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Hold conformed rows and append them ``batch_rows`` at a time and at the end of the block.
        The embedded warehouse opens its file once per operation, so one load per message costs an
        open and a commit each: batching keeps ``genai-costs run`` to a few loads. If a load fails the
        block raises (the run fails) instead of redelivering, since the messages were already answered."""
        self._pending = []
        try:
            yield
            self.flush()
        finally:
            self._pending = None

    def flush(self) -> None:
        """Append the held rows in one load."""
        if self._pending:
            rows, self._pending = self._pending, []
            self.rows_written += self.warehouse.load_rows(self.dataset, self.spec, rows)
            self.loads += 1

    def __call__(self, event: CloudEvent) -> None:
        message = event.data["message"]
        try:
            payload = json.loads(base64.b64decode(message["data"]))
        except ValueError as exc:
            raise SubscriptionWriteError(f"message {message.get('messageId')} is not JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise SubscriptionWriteError("the message data must be a JSON object")
        row = conform_record(payload, self._data_fields, where=self.spec.name)
        row |= {
            "subscription_name": self.name,
            "message_id": message["messageId"],
            "publish_time": _timestamp(message["publishTime"], "publish_time"),
            "attributes": dict(message.get("attributes") or {}),
        }
        if self._pending is None:
            self.rows_written += self.warehouse.load_rows(self.dataset, self.spec, [row])
            self.loads += 1
            return
        self._pending.append(row)
        if len(self._pending) >= self.batch_rows:
            self.flush()


def conform_record(value: Mapping[str, Any], fields: list[FieldSpec], *, where: str) -> dict[str, Any]:
    """``value`` as a row of ``fields``, or SubscriptionWriteError saying which value does not fit."""
    known = {f.name for f in fields}
    unknown = sorted(set(value) - known)
    if unknown:
        raise SubscriptionWriteError(f"{where}: no column for {unknown} (drop_unknown_fields is off)")
    row: dict[str, Any] = {}
    for field in fields:
        item = value.get(field.name)
        path = f"{where}.{field.name}"
        if item is None:
            if field.mode == "REQUIRED":
                raise SubscriptionWriteError(f"{path}: REQUIRED value missing")
            row[field.name] = [] if field.mode == "REPEATED" else None
        elif field.mode == "REPEATED":
            if not isinstance(item, list):
                raise SubscriptionWriteError(f"{path}: REPEATED column needs an array")
            row[field.name] = [_conform_value(v, field, f"{path}[{i}]") for i, v in enumerate(item)]
        else:
            row[field.name] = _conform_value(item, field, path)
    return row


def _conform_value(item: Any, field: FieldSpec, path: str) -> Any:
    kind = field.type
    if kind == "RECORD":
        if not isinstance(item, dict):
            raise SubscriptionWriteError(f"{path}: RECORD needs an object")
        return conform_record(item, field.fields or [], where=path)
    if kind == "JSON":
        return item
    if kind == "STRING" and isinstance(item, str):
        return item
    if kind == "INT64" and isinstance(item, int) and not isinstance(item, bool) and -(2**63) <= item < 2**63:
        return item
    if kind == "BOOL" and isinstance(item, bool):
        return item
    if kind == "NUMERIC" and isinstance(item, str | int | float) and not isinstance(item, bool):
        return _numeric(item, path)
    if kind == "TIMESTAMP" and isinstance(item, str):
        return _timestamp(item, path)
    raise SubscriptionWriteError(f"{path}: {type(item).__name__} value does not fit a {kind} column")


def _numeric(item: str | int | float, path: str) -> Decimal:
    try:
        number = Decimal(item) if isinstance(item, str | int) else Decimal(repr(item))
    except InvalidOperation:
        raise SubscriptionWriteError(f"{path}: {item!r} is not a NUMERIC") from None
    if not number.is_finite() or number != number.quantize(_NANO) or abs(number) >= Decimal(10) ** 29:
        raise SubscriptionWriteError(f"{path}: {item!r} does not fit NUMERIC (38 digits, 9 decimals)")
    return number


def _timestamp(item: str, path: str) -> datetime:
    try:
        value = datetime.fromisoformat(item.replace("Z", "+00:00"))
    except ValueError:
        raise SubscriptionWriteError(f"{path}: {item!r} is not a timestamp") from None
    if value.tzinfo is None:
        raise SubscriptionWriteError(f"{path}: {item!r} has no time zone")
    return value
