"""HTTP Cloud Function (private): the budgets API, routes in genai_costs.budgets.api.

/{org}/budgets[/{id}[/pause|/resume|/status]], /{org}/alerts
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework

from genai_costs.budgets.api import handle
from genai_costs.budgets.runtime import evaluation_interval
from genai_costs.logs import configure_logging
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

if TYPE_CHECKING:  # functions-framework hands the function a Flask request
    import flask


@functions_framework.http
def budgets(request: flask.Request) -> tuple[dict[str, Any], int]:
    settings = get_settings()
    configure_logging(settings.log_level)
    with open_warehouse(settings) as warehouse:
        return handle(
            request.method,
            request.path,
            warehouse=warehouse,
            body=request.get_data(),
            query=request.args.to_dict(),
            headers=dict(request.headers),
            interval=evaluation_interval(settings),
        )
