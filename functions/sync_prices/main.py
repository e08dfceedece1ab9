"""Pub/Sub-triggered Cloud Function (daily, from Cloud Scheduler): sync one organization's price
catalog with the two public price sources bundled in this archive (genai-prices, and LiteLLM's price
data file extracted from its pinned wheel). Agreement within 1 % is written as new effective-dated
rows; everything else becomes a proposal for `genai-costs prices review`.

Message: {"org_slug": "acme", "as_of"?: "2026-12-02", "dry_run"?: false}.
"""

import functions_framework

from genai_costs.handlers import handle_pubsub_event
from genai_costs.pricing.sync import SyncRequest, run_sync
from genai_costs.warehouse import open_warehouse


@functions_framework.cloud_event
def sync_prices(cloud_event):
    def work(request: SyncRequest):
        with open_warehouse() as warehouse:
            return run_sync(warehouse, request)

    handle_pubsub_event(cloud_event, SyncRequest, work)
