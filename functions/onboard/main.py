"""HTTP Cloud Function: onboard one organization (views and seed rows; the dataset, tables and procedures are
verified when Terraform owns them, created otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework

from genai_costs.handlers import handle_json_request
from genai_costs.onboarding import OnboardRequest, OnboardResult
from genai_costs.onboarding import onboard as run_onboarding
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

if TYPE_CHECKING:  # functions-framework hands the function a Flask request
    import flask


@functions_framework.http
def onboard(request: flask.Request) -> tuple[dict[str, Any], int]:
    settings = get_settings()

    def work(req: OnboardRequest) -> OnboardResult:
        with open_warehouse(settings) as warehouse:
            return run_onboarding(warehouse, req, schema_owner=settings.schema_owner)

    return handle_json_request(request.get_json(silent=True), OnboardRequest, work, settings=settings)
