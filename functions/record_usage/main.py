"""HTTP Cloud Function (private): per-request usage events from applications.

POST {"events": [...]} (at most 1,000 events or 5 MB) -> 200 / 207 with one result per event (accepted,
quarantined or rejected, with the reason); 400 / 413 for an unusable request, 503 when the events could
not be published (resend the same batch: events carry their ids). Wire format: docs/usage-events.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework

from genai_costs.handlers import handle_usage_request
from genai_costs.messaging.factory import open_publisher
from genai_costs.settings import get_settings

if TYPE_CHECKING:  # functions-framework hands the function a Flask request
    import flask


@functions_framework.http
def record_usage(request: flask.Request) -> tuple[dict[str, Any], int, dict[str, str]]:
    settings = get_settings()
    if request.method != "POST":
        return {"error": 'use POST with a JSON body {"events": [...]}'}, 405, {"Allow": "POST"}
    return handle_usage_request(
        request.stream,
        request.content_length,
        request.headers.get("Authorization"),
        publisher=lambda: open_publisher(settings),
        settings=settings,
    )
