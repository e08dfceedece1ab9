"""Class 3 of issue 10, poison messages: a message that can never succeed is acknowledged once and
recorded in the ledger with its reason; only failures that may pass later are redelivered.

Each test drives a deployed entry point (functions-framework, real CloudEvents) and reads what a user
reads: the HTTP status Pub/Sub acts on (2xx = acknowledged, else redelivered), the ledger, the tables.
"""

from __future__ import annotations

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from genai_costs.errors import WarehouseError
from genai_costs.paths import sql_root
from genai_costs.warehouse.bigquery_backend import BigQueryWarehouse
from genai_costs.warehouse.sqlfiles import load_procedures

from .edge_support import (
    CraftedServer,
    FakeBigQuery,
    Request,
    days_ago,
    deliver,
    function_client,
    json_reply,
    ledger,
    onboard_org,
    openai_secret,
    openai_usage_page,
    payg_message,
    pubsub_event,
    store_secret,
)

ORG = "acme"
EMPTY_PAGE = {"object": "page", "data": [], "has_more": False, "next_page": None}


def openai(usage: dict | None = None, costs: dict | None = None) -> CraftedServer:
    def answer(request: Request):
        if request.path.endswith("/usage/completions"):
            return json_reply(200, usage or EMPTY_PAGE)
        if request.path.endswith("/costs"):
            return json_reply(200, costs or EMPTY_PAGE)
        return json_reply(200, EMPTY_PAGE)

    return CraftedServer(answer)


@pytest.fixture
def acme(onboarded_copy):
    onboard_org(onboarded_copy, ORG)


def test_malformed_event_time_is_acknowledged_and_ledgered(acme):
    event = pubsub_event(payg_message(ORG), time="next tuesday")
    assert deliver(function_client("ingest_payg"), event) == 200  # acknowledged: never redelivered
    [row] = ledger(ORG)
    assert (row["status"], row["flow"], row["trigger_id"]) == ("rejected", "payg", event["id"])
    assert "time" in row["error"] and "next tuesday" in row["error"]


def test_an_empty_event_time_ages_the_message_by_its_publish_time(acme):
    with openai().running() as provider:
        store_secret(ORG, "openai", openai_secret(provider.url))
        client = function_client("ingest_payg")
        old = pubsub_event(payg_message(ORG), time="", publish_time=days_ago(3))
        assert deliver(client, old) == 200
        assert provider.requests == []  # dropped before anything ran
        [row] = ledger(ORG)
        assert row["status"] == "rejected" and "older than" in row["error"]
        # A fresh message with an empty time is processed as usual.
        assert deliver(client, pubsub_event(payg_message(ORG), time="", publish_time=days_ago(0.01))) == 200
        assert provider.requests and ledger(ORG)[-1]["status"] == "succeeded"


@pytest.mark.parametrize(
    "usage, costs, field",
    [
        (openai_usage_page(input_tokens=10**20, output_tokens=0), None, "input_uncached_tokens"),
        (
            None,
            {
                "object": "page",
                "data": [{"start_time": 0, "end_time": 1, "results": [{"amount": {"value": 1e30, "currency": "usd"}}]}],
                "has_more": False,
            },
            "amount",
        ),
    ],
    ids=["token-count-beyond-int64", "amount-beyond-numeric"],
)
def test_a_provider_value_that_overflows_is_permanent(acme, usage, costs, field):
    if costs:  # a bucket inside the window
        start = openai_usage_page(input_tokens=0)["data"][0]["start_time"]
        costs["data"][0] |= {"start_time": start, "end_time": start + 86400}
    with openai(usage, costs).running() as provider:
        store_secret(ORG, "openai", openai_secret(provider.url))
        assert deliver(function_client("ingest_payg"), pubsub_event(payg_message(ORG))) == 200
    started, failed = ledger(ORG)
    assert (started["status"], failed["status"], failed["error_kind"]) == ("started", "failed", "InvalidDataError")
    assert field in failed["error"]


@pytest.fixture
def fake_bigquery(monkeypatch):
    """The entry points on the BigQuery warehouse at a local endpoint; secrets stay local."""
    fake = FakeBigQuery()
    with CraftedServer(fake.answer).running() as server:
        for name, value in {
            "GCP_PROJECT": "emu-project",
            "WAREHOUSE": "bigquery",
            "SECRETS": "local",
            "BIGQUERY_API_ENDPOINT": server.url,
            "BIGQUERY_CREDENTIALS": "anonymous",
            "RETRY_WAIT_BUDGET_SECONDS": "2",
        }.items():
            monkeypatch.setenv(f"GENAI_COSTS_{name}", value)
        yield fake


@pytest.mark.parametrize(
    "status, reason, acknowledged",
    [
        (400, "invalidQuery", True),
        (404, "notFound", True),
        (403, "accessDenied", True),
        (500, "backendError", False),
        (503, "backendError", False),
        (403, "rateLimitExceeded", False),
        (429, "rateLimitExceeded", False),
    ],
)
def test_bigquery_errors_split_into_permanent_and_transient(fake_bigquery, status, reason, acknowledged):
    fake_bigquery.query_failure = (status, reason)
    event = pubsub_event({"org_slug": ORG, "start_date": "2026-01-01", "end_date": "2026-01-02"})
    assert (deliver(function_client("consolidate"), event) == 200) is acknowledged
    assert [q for q in fake_bigquery.queries if "CALL" in q]  # the consolidation itself met the error
    started, failed = fake_bigquery.loaded["genai_ingestion_runs"]
    assert (started["status"], failed["status"]) == ("started", "failed")
    assert reason in failed["error"]


def test_the_bigquery_backend_marks_invalid_query_permanent_and_backend_error_transient():
    fake = FakeBigQuery(query_failure=(400, "invalidQuery"))
    with CraftedServer(fake.answer).running() as server:
        client = bigquery.Client(
            project="emu-project",
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=server.url),
        )
        warehouse = BigQueryWarehouse("emu-project", client=client)
        procedure = load_procedures(sql_root())["sp_genai_1_consolidate_usage_daily"]
        params = {"p_org_slug": ORG, "p_start_date": "2026-01-01", "p_end_date": "2026-01-02"}
        with pytest.raises(WarehouseError) as permanent:
            warehouse.call_procedure("acme_prod", procedure, params)
        assert not permanent.value.transient and "invalidQuery" in str(permanent.value)
        fake.query_failure = (503, "backendError")
        warehouse = BigQueryWarehouse("emu-project", client=client, retry_deadline=1.0)
        with pytest.raises(WarehouseError) as transient:
            warehouse.call_procedure("acme_prod", procedure, params)
        assert transient.value.transient
