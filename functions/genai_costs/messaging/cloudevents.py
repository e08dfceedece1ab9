"""Building and reading the CloudEvent that Eventarc delivers for a Pub/Sub message.

Shape: type ``google.cloud.pubsub.topic.v1.messagePublished``, source
``//pubsub.googleapis.com/projects/P/topics/T``, data ``{"message": {"data": base64,
"attributes", "messageId", "publishTime"}, "subscription"}``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from cloudevents.http import CloudEvent

from ..errors import ValidationError

PUBSUB_EVENT_TYPE = "google.cloud.pubsub.topic.v1.messagePublished"


def pubsub_cloud_event(
    project: str,
    topic: str,
    payload: Mapping[str, Any] | bytes,
    attributes: Mapping[str, str] | None = None,
    *,
    message_id: str | None = None,
    publish_time: dt.datetime | None = None,
) -> CloudEvent:
    publish_time = publish_time or dt.datetime.now(dt.UTC)
    message_id = message_id or uuid.uuid4().hex
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    stamp = publish_time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return CloudEvent(
        {
            "type": PUBSUB_EVENT_TYPE,
            "source": f"//pubsub.googleapis.com/projects/{project}/topics/{topic}",
            "id": message_id,
            "time": stamp,
            "specversion": "1.0",
        },
        {
            "message": {
                "data": base64.b64encode(data).decode(),
                "attributes": dict(attributes or {}),
                "messageId": message_id,
                "publishTime": stamp,
            },
            "subscription": f"projects/{project}/subscriptions/{topic}-sub",
        },
    )


def decode_pubsub_payload(event: CloudEvent) -> dict[str, Any]:
    """The JSON object inside the message; ValidationError for anything else."""
    data = event.data
    try:
        if isinstance(data, (bytes, str)):
            data = json.loads(data)
        raw = base64.b64decode(data["message"]["data"], validate=True)
        payload = json.loads(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"not a Pub/Sub message with a base64 JSON body: {type(exc).__name__}") from exc
    if not isinstance(payload, dict):
        raise ValidationError("message body must be a JSON object")
    return payload


def event_time(event: CloudEvent) -> dt.datetime | None:
    raw = event.get("time")
    if not raw:
        return None
    return dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
