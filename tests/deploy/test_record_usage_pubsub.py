"""record_usage in its cloud configuration (GENAI_COSTS_GCP_PROJECT set) publishing with the real
google-cloud-pubsub client to the Google Cloud CLI's Pub/Sub emulator: the message it publishes is
one the raw table takes (use_table_schema), and a topic that cannot be published to answers 503.
Skips, saying why, where the emulator cannot run (no gcloud or no Java)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from functions_framework import create_app

from genai_costs.consolidation import consolidate
from genai_costs.messaging.cloudevents import pubsub_cloud_event
from genai_costs.messaging.factory import _pubsub_publisher
from genai_costs.model.messages import ConsolidateMessage
from genai_costs.paths import sql_root
from genai_costs.settings import get_settings
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse
from genai_costs.warehouse.tables import load_table_specs
from genai_costs_cli.local.bigquery_subscription import BigQuerySubscription

MAIN = Path(__file__).resolve().parents[2] / "functions" / "record_usage" / "main.py"
PROJECT, TOPIC = "local-proj", "genai-acme-usage-events"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("gcloud") is None, reason="gcloud (with its Pub/Sub emulator) is not installed"),
    pytest.mark.skipif(shutil.which("java") is None, reason="the Pub/Sub emulator needs Java"),
]


@pytest.fixture
def cloud_function(emulator, monkeypatch):
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", emulator)
    monkeypatch.setenv("GENAI_COSTS_GCP_PROJECT", PROJECT)
    monkeypatch.setenv("GENAI_COSTS_USAGE_EVENTS_TOPIC", TOPIC)
    get_settings.cache_clear()
    _pubsub_publisher.cache_clear()
    yield create_app("record_usage", str(MAIN), "http").test_client()
    _pubsub_publisher.cache_clear()


def _event(event_id: str) -> dict[str, object]:
    occurred = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    return {
        "event_id": event_id,
        "source": "tutor-api",
        "occurred_at": occurred.isoformat(),
        "provider": "groq",
        "model": "llama-3.3-70b-versatile",
        "prompt_tokens": 1200,
        "completion_tokens": 300,
        "tenant_id": "northwind-academy",
        "learner_id": "learner-007",
        "cost_usd": "0.000945",
    }


def test_the_published_message_is_a_row_the_raw_table_takes(cloud_function, tmp_path, onboarded_copy) -> None:
    from google.cloud import pubsub_v1

    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(PROJECT, TOPIC)
    publisher.create_topic(name=topic)
    subscription = subscriber.subscription_path(PROJECT, f"{TOPIC}-pull")
    subscriber.create_subscription(request={"name": subscription, "topic": topic})

    answer = cloud_function.post("/", json={"events": [_event("chatcmpl-1"), _event("chatcmpl-2")]})
    assert answer.status_code == 200, answer.json

    pulled = subscriber.pull(request={"subscription": subscription, "max_messages": 10}, timeout=30)
    (received,) = pulled.received_messages
    message = received.message
    assert dict(message.attributes) == {"schema_version": "1", "event_count": "2"}

    with DuckDBWarehouse(onboarded_copy(tmp_path / "warehouse.duckdb", "acme")) as warehouse:
        spec = load_table_specs(sql_root())["genai_usage_events_raw"]
        write = BigQuerySubscription(warehouse, "acme_prod", spec, name=f"projects/{PROJECT}/subscriptions/{TOPIC}-bq")
        publish_time = message.publish_time  # what the emulator stamped; kept as write_metadata's publish_time
        write(
            pubsub_cloud_event(
                PROJECT,
                TOPIC,
                bytes(message.data),
                dict(message.attributes),
                message_id=message.message_id,
                publish_time=dt.datetime.fromtimestamp(publish_time.timestamp(), dt.UTC),
            )
        )
        consolidate(ConsolidateMessage(org_slug="acme"), warehouse=warehouse)
        rows = warehouse.connection.execute(
            "SELECT event_id, provider, input_uncached_tokens, output_tokens, user_id, client_cost_usd, message_id "
            "FROM acme_prod.genai_usage_events ORDER BY event_id"
        ).fetchall()
    assert [r[:6] for r in rows] == [
        ("chatcmpl-1", "groq", 1200, 300, "learner-007", Decimal("0.000945")),
        ("chatcmpl-2", "groq", 1200, 300, "learner-007", Decimal("0.000945")),
    ]
    assert {r[6] for r in rows} == {message.message_id}
    assert json.loads(message.data)["events"][0]["client_cost_usd"] == "0.000945000"


def test_a_topic_that_cannot_be_published_to_answers_503(cloud_function) -> None:
    # No topic was created: the publish fails (NotFound), nothing is stored, the client is told to resend.
    answer = cloud_function.post("/", json={"events": [_event("chatcmpl-1")]})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "resend the same batch" in answer.json["error"]
