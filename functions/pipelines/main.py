"""HTTP Cloud Function (private): the pipeline endpoints for manual runs, backfills and the run ledger.

    POST /pipelines/run/{org}/genai/payg/{provider}
    POST /pipelines/run/{org}/genai/commitment/{type}
    POST /pipelines/run/{org}/genai/unified/consolidate
    GET  /pipelines/runs/{org}

Each POST publishes the scheduler's message to the flow's topic; see genai_costs.pipeline_endpoints.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import functions_framework

from genai_costs.logs import configure_logging
from genai_costs.messaging.pubsub import PubSubPublisher
from genai_costs.pipeline_endpoints import deployed_api
from genai_costs.settings import get_settings

if TYPE_CHECKING:  # functions-framework hands the function a Flask request
    import flask


@cache
def _publisher(project: str) -> PubSubPublisher:
    # One client per instance, created on the first request (never at import).
    return PubSubPublisher(project)


@functions_framework.http
def pipelines(request: flask.Request) -> tuple[dict[str, Any], int, dict[str, str]]:
    settings = get_settings()
    configure_logging(settings.log_level)
    api = deployed_api(settings, publisher=lambda: _publisher(settings.gcp_project or ""))
    answer = api.handle(request.method, request.path, request.get_data(cache=False), request.args.to_dict())
    return answer.body, answer.status, answer.headers
