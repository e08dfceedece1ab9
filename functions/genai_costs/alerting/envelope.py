"""The JSON body webhooks and Pub/Sub subscribers receive: ``{type, timestamp, data}``, the payload
structure the Standard Webhooks spec recommends, with ``data`` the alert snapshot (money as
decimal strings, never floats)."""

from __future__ import annotations

import json
from typing import Any

from ..model.alert import Alert

SCHEMA_VERSION = "1"


def alert_envelope(alert: Alert) -> dict[str, Any]:
    return {
        "type": alert.event_type,
        "timestamp": alert.evaluated_at.isoformat().replace("+00:00", "Z"),
        "data": alert.model_dump(mode="json"),
    }


def envelope_bytes(alert: Alert) -> bytes:
    return json.dumps(alert_envelope(alert), separators=(",", ":")).encode()
