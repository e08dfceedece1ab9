"""The simulated applications' usage events, sent through the real ``record_usage`` entry point.

The simulator serves the requests the organization's applications make (``GET /_sim/traffic``: per-call
events in three spellings, with calls never recorded, resent batches, late events and a producer bug).
Each is POSTed to functions/record_usage/main.py through functions-framework's WSGI app, exactly the
function the cloud runs; it publishes to the in-process bus, where the embedded BigQuery subscription
appends each message to ``genai_usage_events_raw``, duplicates and all, as Pub/Sub would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from functions_framework import create_app

from genai_costs.messaging import embedded
from genai_costs.paths import sql_root
from genai_costs.warehouse.base import Warehouse
from genai_costs.warehouse.tables import load_table_specs

from .bigquery_subscription import BigQuerySubscription
from .entry_points import FUNCTIONS_DIR
from .inprocess import InProcessBus

RAW_TABLE = "genai_usage_events_raw"


@dataclass
class TrafficSent:
    requests: int = 0
    events: int = 0  # events in all requests, resent ones included
    answers: Counter[str] = field(default_factory=Counter)  # accepted / quarantined / rejected
    statuses: Counter[int] = field(default_factory=Counter)  # HTTP status -> requests


def simulator_deliveries(base_url: str, *, page_size: int = 500) -> Iterator[dict[str, Any]]:
    """Every request the simulated applications make, in send order."""
    with httpx.Client(base_url=base_url, timeout=120) as client:
        params: dict[str, Any] = {"page_size": page_size}
        while True:
            page = client.get("/_sim/traffic", params=params).raise_for_status().json()
            yield from page["deliveries"]
            if not page["next_page_token"]:
                return
            params["page_token"] = page["next_page_token"]


def send_application_traffic(
    deliveries: Iterator[dict[str, Any]], *, bus: InProcessBus, warehouse: Warehouse, dataset: str, topic: str
) -> TrafficSent:
    """POST each delivery to record_usage; its messages land in ``dataset.genai_usage_events_raw``."""
    spec = load_table_specs(sql_root())[RAW_TABLE]
    subscription = BigQuerySubscription(
        warehouse, dataset, spec, name=f"projects/{bus.project}/subscriptions/{topic}-bq"
    )
    bus.subscribe(topic, subscription)
    client = create_app("record_usage", str(FUNCTIONS_DIR / "record_usage" / "main.py"), "http").test_client()
    sent = TrafficSent()
    with embedded.installed(bus), subscription.batched():
        for delivery in deliveries:
            response = client.post("/", json=delivery["body"])
            sent.requests += 1
            sent.events += len(delivery["body"]["events"])
            sent.statuses[response.status_code] += 1
            for result in (response.json or {}).get("results", []):
                sent.answers[result["status"]] += 1
    return sent
