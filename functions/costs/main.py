"""HTTP Cloud Function (private): cost queries over the organization's priced usage events.

    GET  /costs                    report: totals, daily breakdown, projected month; filters and group_by
    GET  /costs/estimate           estimate per model from history (?task=...&complexity=medium)
    GET  /costs/reconciliation     usage events against the providers' data, per grain
    GET  /costs/recommendations    savings recommendations
    POST /costs/billing-imports    a billing export CSV (?provider=openai&file_name=costs.csv)

Routes, parameters and answers: genai_costs.costs.api and docs/costs-api.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework

from genai_costs.costs.api import CostsApi
from genai_costs.logs import configure_logging
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

if TYPE_CHECKING:  # functions-framework hands the function a Flask request
    import flask


@functions_framework.http
def costs(request: flask.Request) -> tuple[dict[str, Any], int, dict[str, str]]:
    settings = get_settings()
    configure_logging(settings.log_level)
    api = CostsApi(warehouse=lambda: open_warehouse(settings), pinned_org=settings.org_slug)
    answer = api.handle(
        request.method, request.path, request.args.to_dict(flat=False), request.stream, request.content_length
    )
    return answer.body, answer.status, answer.headers
