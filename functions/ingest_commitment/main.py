"""Pub/Sub-triggered Cloud Function: capacity commitments (Azure PTU, Bedrock provisioned
throughput, Vertex GSU) and infrastructure (Vertex GPU hours) for one org and commitment type.

Message: {"org_slug": "acme", "commitment_type": "azure_ptu" | "bedrock_pt" | "vertex_gsu" | "vertex_gpu",
"start_date"?: "2026-11-01", "end_date"?: "2026-11-02"}.
Raises on transient failure (Pub/Sub redelivers); acknowledges bad messages and permanent failures
(e.g. missing commitment configuration) with an error log.
"""

import functions_framework
from cloudevents.http import CloudEvent

from genai_costs.handlers import handle_pubsub_event
from genai_costs.ingestion.commitment import ingest_commitment as run_ingestion
from genai_costs.model.messages import CommitmentMessage
from genai_costs.runs.lifecycle import RunResult
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse


@functions_framework.cloud_event
def ingest_commitment(cloud_event: CloudEvent) -> None:
    settings = get_settings()

    def work(message: CommitmentMessage) -> RunResult:
        with open_warehouse(settings) as warehouse:
            return run_ingestion(
                message,
                warehouse=warehouse,
                secrets=open_secret_store(settings),
                trailing_days=settings.trailing_days,
                run_timeout_seconds=settings.function_timeout_seconds,
                trigger_id=cloud_event["id"],
            )

    handle_pubsub_event(cloud_event, CommitmentMessage, work, settings=settings)
