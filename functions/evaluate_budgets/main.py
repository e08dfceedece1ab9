"""Pub/Sub-triggered Cloud Function: evaluate one organization's budgets (Cloud Scheduler publishes
every 5 minutes by default): status history, alerts through the ledger (exactly one per key, even
when Pub/Sub redelivers), delivery of what is due, and metrics.

Message: {"org_slug": "acme"}. Raises on transient failure (Pub/Sub redelivers); acknowledges bad
messages with an error log.
"""

import functions_framework
from cloudevents.http import CloudEvent

from genai_costs.alerting.http import new_http_client
from genai_costs.budgets.evaluation import EvaluateBudgetsMessage, Evaluation
from genai_costs.budgets.evaluation import evaluate_budgets as run_evaluation
from genai_costs.budgets.runtime import open_dispatcher, open_metrics, ops_targets
from genai_costs.handlers import handle_pubsub_event
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse


@functions_framework.cloud_event
def evaluate_budgets(cloud_event: CloudEvent) -> None:
    settings = get_settings()

    def work(message: EvaluateBudgetsMessage) -> Evaluation:
        with open_warehouse(settings) as warehouse, new_http_client() as http:
            return run_evaluation(
                message,
                warehouse=warehouse,
                dispatcher=open_dispatcher(settings, http),
                metrics=open_metrics(settings, message.org_slug),
                ops_targets=ops_targets(settings),
                trigger_id=cloud_event["id"],
            )

    handle_pubsub_event(cloud_event, EvaluateBudgetsMessage, work, settings=settings)
