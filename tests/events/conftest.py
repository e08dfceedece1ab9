"""An onboarded organization whose record_usage publishes to an in-process bus, delivered to the
embedded BigQuery subscription that appends genai_usage_events_raw; the real entry point
(functions/record_usage/main.py through functions-framework) and the real consolidation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from functions_framework import create_app

from genai_costs.consolidation import ConsolidationResult, consolidate
from genai_costs.messaging import embedded
from genai_costs.model.messages import ConsolidateMessage
from genai_costs.paths import sql_root
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse
from genai_costs.warehouse.tables import load_table_specs
from genai_costs_cli.local.bigquery_subscription import BigQuerySubscription
from genai_costs_cli.local.inprocess import InProcessBus

MAIN = Path(__file__).resolve().parents[2] / "functions" / "record_usage" / "main.py"
TOPIC = "genai-usage-events"
DATASET = "acme_prod"
NOW = dt.datetime.now(dt.UTC)
TODAY = NOW.date()


def ts(days_ago: float = 1, *, hour: int = 12) -> str:
    """An occurred_at ``days_ago`` days before today at ``hour`` (UTC), ISO 8601."""
    day = TODAY - dt.timedelta(days=int(days_ago))
    return dt.datetime.combine(day, dt.time(hour), dt.UTC).isoformat()


class EventsWorld:
    def __init__(self, warehouse: DuckDBWarehouse, bus: InProcessBus) -> None:
        self.wh, self.bus = warehouse, bus
        self.client = create_app("record_usage", str(MAIN), "http").test_client()

    def post(self, events: list[dict[str, Any]] | Any, **kwargs: Any) -> Any:
        return self.client.post("/", json={"events": events}, **kwargs)

    def consolidate(self, *, today: dt.date = TODAY, start: dt.date | None = None) -> ConsolidationResult:
        window = {"start_date": start, "end_date": today} if start else {}
        return consolidate(ConsolidateMessage(org_slug="acme", **window), warehouse=self.wh, today=today)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.wh.connection.execute(sql, list(params)).fetchall()

    def clean(self, columns: str = "source, event_id") -> list[tuple[Any, ...]]:
        return self.rows(f"SELECT {columns} FROM {DATASET}.genai_usage_events ORDER BY source, event_id")

    def quarantined(self, columns: str = "source, event_id, quarantine_reason") -> list[tuple[Any, ...]]:
        return self.rows(f"SELECT {columns} FROM {DATASET}.genai_usage_events_quarantine ORDER BY source, event_id")

    def raw_copies(self) -> int:
        (count,) = self.rows(f"SELECT COALESCE(SUM(len(events)), 0) FROM {DATASET}.genai_usage_events_raw")[0]
        return int(count)

    def raw_messages(self) -> list[tuple[Any, ...]]:
        return self.rows(
            f"SELECT batch_id, message_id, subscription_name, attributes FROM {DATASET}.genai_usage_events_raw"
        )


@pytest.fixture
def world(acme_warehouse: DuckDBWarehouse) -> Iterator[EventsWorld]:
    warehouse = acme_warehouse
    spec = load_table_specs(sql_root())["genai_usage_events_raw"]
    bus = InProcessBus(project="local")
    bus.subscribe(
        TOPIC, BigQuerySubscription(warehouse, DATASET, spec, name=f"projects/local/subscriptions/{TOPIC}-bq")
    )
    with embedded.installed(bus):
        yield EventsWorld(warehouse, bus)


def openai_event(event_id: str, *, days_ago: float = 1, source: str = "tutor-api", **extra: Any) -> dict[str, Any]:
    """An event in canonical buckets: 1,000 input (400 cached) and 200 output tokens."""
    return {
        "event_id": event_id,
        "source": source,
        "occurred_at": ts(days_ago),
        "provider": "openai",
        "model": "gpt-4o-2024-08-06",
        "input_uncached_tokens": 600,
        "input_cached_tokens": 400,
        "output_tokens": 200,
        "tenant_id": "tenant-a",
        "user_id": "learner-1",
        "service": "tutor",
        "workflow_id": "wf-1",
    } | extra
