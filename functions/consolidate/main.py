"""Pub/Sub-triggered Cloud Function: consolidate one organization's window into unified daily
costs and FOCUS 1.3, then run the conformance checks.

Message: {"org_slug": "acme", "start_date"?: "2026-11-01", "end_date"?: "2026-11-08"}.
"""

import functions_framework
from cloudevents.http import CloudEvent

from genai_costs.consolidation import ConsolidationResult
from genai_costs.consolidation import consolidate as run_consolidation
from genai_costs.handlers import handle_pubsub_event
from genai_costs.model.messages import ConsolidateMessage
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse


@functions_framework.cloud_event
def consolidate(cloud_event: CloudEvent) -> None:
    settings = get_settings()

    def work(message: ConsolidateMessage) -> ConsolidationResult:
        with open_warehouse(settings) as warehouse:
            return run_consolidation(
                message,
                warehouse=warehouse,
                trailing_days=settings.trailing_days,
                trigger_id=cloud_event["id"],
                run_timeout_seconds=settings.function_timeout_seconds,
            )

    handle_pubsub_event(cloud_event, ConsolidateMessage, work, settings=settings)
