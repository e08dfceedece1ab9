"""HTTP Cloud Function (private): an organization's custom prices and subscription plans.

Routes (the seed document's shape): ``/api/v1/integrations/{org_slug}/{provider}/pricing[/{pricing_id}]``
and ``.../subscriptions[/{subscription_id}]`` with POST (create), GET (list / one), PUT / PATCH (update),
DELETE (disable); see genai_costs.pricing.http_api.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework
from pydantic import BaseModel

from genai_costs.handlers import respond_json
from genai_costs.pricing.http_api import RouteError, caller_identity, parse_body, route
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

if TYPE_CHECKING:  # functions-framework hands the function a Flask request
    import flask


@functions_framework.http
def pricing_api(request: flask.Request) -> tuple[dict[str, Any], int, dict[str, str]]:
    settings = get_settings()
    try:
        call = route(
            request.method,
            request.path,
            request.args.to_dict(),
            parse_body(request.get_data(cache=False)),
            actor=caller_identity(request.headers.get("Authorization")),
        )
    except RouteError as exc:
        return {"error": str(exc)}, exc.status, {}

    def work(payload: BaseModel) -> BaseModel:
        with open_warehouse(settings) as warehouse:
            return call.work(warehouse, payload)

    return respond_json(call.payload, call.model, work, settings=settings, flow="pricing")
