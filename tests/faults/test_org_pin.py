"""Class 5 of issue 10, cross-org access: a deployment pinned to one organization
(``GENAI_COSTS_ORG_SLUG``, set by Terraform) serves exactly that organization. A message or request for
any other organization is rejected permanently with nothing read or written for it (no secret read,
no provider called, its dataset untouched, no organization created), and the pinned organization's
ledger says why. Without a pin (the embedded default), any organization is served.
"""

from __future__ import annotations

import pytest

from genai_costs.secrets.local import LocalSecretStore

from .edge_support import (
    END,
    START,
    CraftedServer,
    count_rows,
    deliver,
    fresh_settings,
    function_client,
    json_reply,
    ledger,
    onboard_org,
    openai_secret,
    payg_message,
    pubsub_event,
    store_secret,
)

PINNED, OTHER = "acme", "other"
WINDOW = {"start_date": START.isoformat(), "end_date": END.isoformat()}
MESSAGES = {
    "ingest_payg": payg_message(OTHER),
    "ingest_commitment": {"org_slug": OTHER, "commitment_type": "azure_ptu", **WINDOW},
    "consolidate": {"org_slug": OTHER, **WINDOW},
}
EMPTY_PAGE = {"object": "page", "data": [], "has_more": False, "next_page": None}


@pytest.fixture
def two_orgs(monkeypatch, onboarded_copy):
    """Both organizations onboarded with credentials; every secret read and provider call recorded."""
    reads: list[str] = []
    original = LocalSecretStore.get

    def spying_get(self, secret_id):
        reads.append(secret_id)
        return original(self, secret_id)

    with CraftedServer(lambda _request: json_reply(200, EMPTY_PAGE)).running() as provider:
        onboard_org(onboarded_copy, PINNED, OTHER)
        for org in (PINNED, OTHER):
            store_secret(org, "openai", openai_secret(provider.url))
        monkeypatch.setattr(LocalSecretStore, "get", spying_get)
        yield provider, reads


def pin(monkeypatch, org: str = PINNED) -> None:
    monkeypatch.setenv("GENAI_COSTS_ORG_SLUG", org)
    fresh_settings()


def snapshot(org: str) -> dict[str, int]:
    tables = ("genai_ingestion_runs", "genai_payg_openai_usage", "genai_usage_daily", "cost_data_standard_1_3")
    return {table: count_rows(org, table) for table in tables}


@pytest.mark.parametrize("function", sorted(MESSAGES))
def test_a_pinned_deployment_rejects_a_message_for_another_org_touching_nothing(two_orgs, monkeypatch, function):
    provider, reads = two_orgs
    before = snapshot(OTHER)
    pin(monkeypatch)
    event = pubsub_event(MESSAGES[function])
    assert deliver(function_client(function), event) == 200  # permanent: acknowledged, never redelivered
    assert reads == [] and provider.requests == []
    assert snapshot(OTHER) == before
    [row] = ledger(PINNED)
    assert (row["status"], row["trigger_id"], row["error_kind"]) == ("rejected", event["id"], "OrgNotServedError")
    assert OTHER in row["error"] and PINNED in row["error"]


def test_a_pinned_onboarding_function_creates_no_other_org(two_orgs, monkeypatch):
    pin(monkeypatch)
    client = function_client("onboard", "http")
    response = client.post("/", json={"org_slug": "newcorp"})
    assert response.status_code == 403 and "acme" in response.get_json()["error"]
    with pytest.raises(Exception, match="newcorp_prod"):
        count_rows("newcorp", "genai_ingestion_runs")
    [row] = ledger(PINNED)
    assert (row["status"], row["flow"]) == ("rejected", "onboard") and "newcorp" in row["error"]
    assert client.post("/", json={"org_slug": PINNED}).status_code == 200


def test_the_pinned_org_itself_is_served(two_orgs, monkeypatch):
    provider, reads = two_orgs
    pin(monkeypatch)
    assert deliver(function_client("ingest_payg"), pubsub_event(payg_message(PINNED))) == 200
    assert reads == ["genai-acme-openai"] and provider.requests
    assert [r["status"] for r in ledger(PINNED)] == ["started", "succeeded"]


def test_without_a_pin_the_embedded_default_serves_any_org(two_orgs):
    provider, reads = two_orgs
    assert deliver(function_client("ingest_payg"), pubsub_event(payg_message(OTHER))) == 200
    assert reads == ["genai-other-openai"] and provider.requests
    assert [r["status"] for r in ledger(OTHER)] == ["started", "succeeded"]
