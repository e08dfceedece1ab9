"""Pub/Sub-triggered Cloud Function (daily, from Cloud Scheduler): sync one organization's price
catalog with the two public price sources bundled in this archive (the genai-prices package, and
LiteLLM's price data file extracted from its pinned wheel). Rates both sources agree on within 1 %
become new effective-dated rows; everything else becomes a proposal for `genai-costs prices review`.

Message: {"org_slug": "acme", "as_of"?: "2026-12-02", "dry_run"?: false}.
"""

import functions_framework
from cloudevents.http import CloudEvent

from genai_costs.handlers import handle_pubsub_event
from genai_costs.pricing.report import SyncReport
from genai_costs.pricing.sync import SyncRequest, run_sync
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse


@functions_framework.cloud_event
def sync_prices(cloud_event: CloudEvent) -> None:
    settings = get_settings()

    def work(request: SyncRequest) -> SyncReport:
        with open_warehouse(settings) as warehouse:
            return run_sync(warehouse, request)

    handle_pubsub_event(cloud_event, SyncRequest, work, settings=settings)
