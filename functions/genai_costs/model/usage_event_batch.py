"""The Pub/Sub message ``record_usage`` publishes for one request: a row of ``genai_usage_events_raw``.

One message per request, holding every accepted and quarantined event of it, so a request is published
whole or not at all (a publish either took the message or raised) and the BigQuery subscription writes
it as one row. Its fields are the raw table's columns minus the four ``write_metadata`` columns the
subscription adds (``use_table_schema`` maps top-level JSON keys to columns by name):

    batch_id, received_at, caller, events: [{event fields..., event_index, quarantine_reason}]

JSON types follow what a BigQuery subscription accepts for each column type: TIMESTAMP and NUMERIC
as strings (RFC 3339 UTC; plain decimal, so money never passes through a float), INT64 and BOOL as
JSON numbers and booleans, ``tags`` as the text of a JSON object (a STRING column; consolidation
parses it into a JSON column).

Pure: the caller passes the id and the time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .usage_event import EventOutcome, UsageEvent

RAW_TABLE = "genai_usage_events_raw"
SCHEMA_VERSION = "1"
# Pub/Sub takes messages up to 10 MB and the subscription writes each as one row. A request body is at
# most 5 MB and its normalized events are no larger than the body plus ~1.3 KB of field names each
# (values are copied, UTF-8 kept as is), so a valid request always fits; larger is refused, never split.
MAX_MESSAGE_BYTES = 9_000_000


@dataclass(frozen=True)
class BatchMessage:
    data: bytes  # UTF-8 JSON object
    attributes: dict[str, str]
    event_count: int


def timestamp_text(value: datetime) -> str:
    """RFC 3339 in UTC with microseconds, a form BigQuery reads into TIMESTAMP."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_record(event: UsageEvent, *, index: int, quarantine_reason: str | None) -> dict[str, Any]:
    """One element of the ``events`` column, JSON-ready."""
    record = event.model_dump()
    record["occurred_at"] = timestamp_text(event.occurred_at)
    record["tags"] = json.dumps(event.tags, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    cost: Decimal | None = event.client_cost_usd
    record["client_cost_usd"] = None if cost is None else format(cost, "f")
    record["event_index"] = index
    record["quarantine_reason"] = quarantine_reason
    return record


def batch_message(
    outcomes: list[EventOutcome], *, batch_id: str, received_at: datetime, caller: str | None
) -> BatchMessage | None:
    """The message for a request's stored events (accepted and quarantined); None when none is stored."""
    events = [
        event_record(o.event, index=o.index, quarantine_reason=o.reason if o.status == "quarantined" else None)
        for o in outcomes
        if o.event is not None and o.status in ("accepted", "quarantined")
    ]
    if not events:
        return None
    body = {"batch_id": batch_id, "received_at": timestamp_text(received_at), "caller": caller, "events": events}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    attributes = {"schema_version": SCHEMA_VERSION, "event_count": str(len(events))}
    return BatchMessage(data, attributes, len(events))
