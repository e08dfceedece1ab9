"""Class 11 of issue 10: the seams are selectable one by one (``GENAI_COSTS_WAREHOUSE``, ``_SECRETS``,
``_MESSAGING``, ``_PROVIDERS``), and the BigQuery warehouse can be pointed at any BigQuery API endpoint
(``GENAI_COSTS_BIGQUERY_API_ENDPOINT``, anonymous credentials for an emulator). Setting only
``GENAI_COSTS_GCP_PROJECT`` still switches every seam to Google Cloud, as a deployment expects.

The end-to-end check drives the deployed ingest_payg entry point with the BigQuery warehouse at a local
endpoint, the sealed local secret store and a local provider: the run's rows arrive at that endpoint.
(``genai-costs run --warehouse bigquery`` against a BigQuery emulator is the opt-in lane in
tests/bigquery_emulator.)
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from genai_costs.secrets import open_secret_store
from genai_costs.secrets.local import LocalSecretStore
from genai_costs.settings import Settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.bigquery_backend import BigQueryWarehouse
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

from .edge_support import (
    CraftedServer,
    FakeBigQuery,
    deliver,
    fresh_settings,
    function_client,
    json_reply,
    openai_secret,
    openai_usage_page,
    payg_message,
    pubsub_event,
    store_secret,
)


def seams(settings: Settings) -> tuple[str, str, str, str]:
    return settings.warehouse_backend, settings.secrets_backend, settings.messaging_backend, settings.providers


def test_a_google_project_alone_switches_every_seam_to_google_cloud():
    assert seams(Settings()) == ("embedded", "local", "inprocess", "live")
    assert seams(Settings(gcp_project="p")) == ("bigquery", "secret_manager", "pubsub", "live")


@pytest.mark.parametrize(
    "choice, expected",
    [
        ({"secrets": "local"}, ("bigquery", "local", "pubsub", "live")),
        ({"warehouse": "embedded"}, ("embedded", "secret_manager", "pubsub", "live")),
        (
            {"messaging": "inprocess", "providers": "simulator"},
            ("bigquery", "secret_manager", "inprocess", "simulator"),
        ),
    ],
)
def test_each_seam_is_chosen_on_its_own(choice, expected):
    assert seams(Settings(gcp_project="p", **choice)) == expected


@pytest.mark.parametrize("choice", [{"warehouse": "bigquery"}, {"secrets": "secret_manager"}, {"messaging": "pubsub"}])
def test_a_google_seam_without_a_project_is_refused_naming_the_setting(choice):
    with pytest.raises(ValidationError, match="GENAI_COSTS_GCP_PROJECT"):
        Settings(**choice)


def test_the_factories_follow_the_seams(monkeypatch):
    monkeypatch.setenv("GENAI_COSTS_GCP_PROJECT", "p")
    monkeypatch.setenv("GENAI_COSTS_SECRETS", "local")
    monkeypatch.setenv("GENAI_COSTS_BIGQUERY_API_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("GENAI_COSTS_BIGQUERY_CREDENTIALS", "anonymous")
    settings = fresh_settings()
    assert isinstance(open_secret_store(settings), LocalSecretStore)
    warehouse = open_warehouse(settings)
    assert isinstance(warehouse, BigQueryWarehouse)
    assert warehouse.client._connection.API_BASE_URL == "http://127.0.0.1:9"
    assert type(warehouse.client._credentials).__name__ == "AnonymousCredentials"
    monkeypatch.setenv("GENAI_COSTS_WAREHOUSE", "embedded")
    assert isinstance(open_warehouse(fresh_settings()), DuckDBWarehouse)


def test_an_entry_point_runs_on_bigquery_at_an_endpoint_with_local_secrets(monkeypatch):
    fake = FakeBigQuery()
    page = openai_usage_page(input_tokens=120, output_tokens=30, input_cached_tokens=20, model="gpt-4o")
    empty = {"object": "page", "data": [], "has_more": False, "next_page": None}
    provider = CraftedServer(lambda r: json_reply(200, page if r.path.endswith("/completions") else empty))
    with CraftedServer(fake.answer).running() as endpoint, provider.running():
        store_secret("acme", "openai", openai_secret(provider.url))  # embedded store, before the switch
        for name, value in {
            "GCP_PROJECT": "emu-project",
            "SECRETS": "local",
            "BIGQUERY_API_ENDPOINT": endpoint.url,
            "BIGQUERY_CREDENTIALS": "anonymous",
        }.items():
            monkeypatch.setenv(f"GENAI_COSTS_{name}", value)
        fresh_settings()
        assert deliver(function_client("ingest_payg"), pubsub_event(payg_message("acme"))) == 200
    [staged_usage] = [t for t in fake.tables_created if t.startswith("_staging_genai_payg_openai_usage")]
    [usage] = fake.loaded[staged_usage]
    assert (usage["model"], usage["input_uncached_tokens"], usage["input_cached_tokens"]) == ("gpt-4o", 100, 20)
    assert [r["status"] for r in fake.loaded["genai_ingestion_runs"]] == ["started", "succeeded"]
    assert any("genai_payg_openai_usage" in q and "BEGIN TRANSACTION" in q for q in fake.queries)
