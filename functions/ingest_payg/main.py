"""Pub/Sub-triggered Cloud Function: pay-as-you-go usage and cost for one org and provider.

Message: {"org_slug": "acme", "provider": "openai", "start_date"?: "2026-11-01", "end_date"?: "2026-11-02",
"source"?: "usage" | "invocation_logs"} ("invocation_logs": Bedrock's per-request model invocation logs).
Raises on transient failure (Pub/Sub redelivers); acknowledges bad messages with an error log.
"""

from collections.abc import Callable

import functions_framework
from cloudevents.http import CloudEvent

from genai_costs.handlers import handle_pubsub_event
from genai_costs.ingestion.invocation_logs import ingest_invocation_logs
from genai_costs.ingestion.payg import ingest_payg as run_ingestion
from genai_costs.model.messages import PaygMessage
from genai_costs.runs.lifecycle import RunResult
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse


@functions_framework.cloud_event
def ingest_payg(cloud_event: CloudEvent) -> None:
    settings = get_settings()

    def work(message: PaygMessage) -> RunResult:
        runner: Callable[..., RunResult] = (
            ingest_invocation_logs if message.source == "invocation_logs" else run_ingestion
        )
        with open_warehouse(settings) as warehouse:
            return runner(
                message,
                warehouse=warehouse,
                secrets=open_secret_store(settings),
                trailing_days=settings.trailing_days,
                run_timeout_seconds=settings.function_timeout_seconds,
                trigger_id=cloud_event["id"],
                retry_wait_budget=settings.retry_wait_budget,
            )

    handle_pubsub_event(cloud_event, PaygMessage, work, settings=settings, flow="payg")
