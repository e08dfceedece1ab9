"""Azure OpenAI: Entra token, Monitor metrics, deployments, Cost Management query (mock transport)."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest

from genai_costs.errors import ProviderAuthError, ProviderResponseError
from genai_costs.model.window import Window
from genai_costs.providers.registry import build_client

from .helpers import AZURE_SECRET, load, mock_client

DAY = Window(start=date(2025, 8, 1), end=date(2025, 8, 2))
SECRET = "genai-acme-azure_openai"
CREDS = {
    "tenant_id": "tenant-1",
    "client_id": "client-1",
    "client_secret": AZURE_SECRET,
    "subscription_id": "sub-1",
    "resource_group": "rg-ai",
    "account_name": "acct-ai",
    "cost_scope": None,
    "arm_base_url": "https://arm.test",
    "login_base_url": "https://login.test",
}
ACCOUNT = "/subscriptions/sub-1/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/acct-ai"
TOKEN = load("azure_token.json")["access_token"]


def router(cost_pages=None, cost_status=None):
    cost_pages = list(cost_pages or [])

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.url.host == "login.test":
            return httpx.Response(200, json=load("azure_token.json"))
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        if path.endswith("/deployments"):
            return httpx.Response(200, json=load("azure_deployments.json"))
        if path.endswith("/providers/Microsoft.Insights/metrics"):
            return httpx.Response(200, json=load("azure_metrics.json"))
        if path.endswith("/providers/Microsoft.CostManagement/query"):
            if cost_status:
                return cost_status.pop(0)
            return httpx.Response(200, json=cost_pages.pop(0))
        raise AssertionError(f"unexpected {request.method} {request.url}")

    return handler


def make(handler, sleeps):
    http, seen = mock_client(handler)
    return build_client("azure_openai", CREDS, secret_name=SECRET, http=http, sleep=sleeps), seen


def test_token_request_is_client_credentials(sleeps):
    c, seen = make(router(), sleeps)
    list(c.iter_usage(DAY))
    tok = seen[0]
    assert tok.method == "POST" and tok.url.path == "/tenant-1/oauth2/v2.0/token"
    form = parse_qs(tok.content.decode())
    assert form["grant_type"] == ["client_credentials"] and form["client_id"] == ["client-1"]
    assert form["scope"] == ["https://management.azure.com/.default"]
    assert sum(1 for r in seen if r.url.host == "login.test") == 1  # cached


def test_metrics_split_by_deployment_and_model(sleeps):
    c, seen = make(router(), sleeps)
    records = list(c.iter_usage(DAY))
    metrics_req = next(r for r in seen if r.url.path.endswith("/metrics"))
    q = metrics_req.url.params
    assert metrics_req.url.path == f"{ACCOUNT}/providers/Microsoft.Insights/metrics"
    assert q["metricnames"] == "ProcessedPromptTokens,GeneratedTokens,AzureOpenAIRequests"
    assert q["interval"] == "PT1H" and q["aggregation"] == "Total"
    assert q["$filter"] == "ModelDeploymentName eq '*'"
    assert q["timespan"] == "2025-08-01T00:00:00Z/2025-08-02T00:00:00Z"
    by = {(r.deployment, r.bucket_start.hour): r for r in records}
    chat = by[("chat-prod", 0)]
    assert (chat.input_uncached_tokens, chat.output_tokens, chat.requests, chat.provider_total_tokens) == (
        1000,
        250,
        4,
        1250,
    )
    assert (chat.model, chat.service_tier, chat.is_batch, chat.project_id) == (
        "gpt-4o",
        "GlobalStandard",
        False,
        "acct-ai",
    )
    batch = by[("batch-nightly", 0)]
    assert (batch.input_uncached_tokens, batch.is_batch, batch.service_tier, batch.requests) == (
        20,
        True,
        "GlobalBatch",
        None,
    )
    assert all(r.invariant_violation() is None for r in records)
    assert chat.bucket_start == datetime(2025, 8, 1, tzinfo=UTC)


def test_cost_query_body_columns_by_name_and_next_link(sleeps):
    page1 = load("azure_cost_query.json")
    # columns deliberately re-ordered on page 1: mapping must be by name
    cols = page1["properties"]["columns"]
    order = [4, 3, 2, 1, 0]
    page1["properties"]["columns"] = [cols[i] for i in order]
    page1["properties"]["rows"] = [[row[i] for i in order] for row in page1["properties"]["rows"]]
    page1["properties"]["nextLink"] = (
        "https://arm.test/subscriptions/sub-1/resourceGroups/rg-ai/providers/Microsoft.CostManagement/query?api-version=2023-11-01&$skiptoken=abc"
    )
    page2 = load("azure_cost_query.json")
    c, seen = make(router(cost_pages=[page1, page2]), sleeps)
    rows = list(c.iter_costs(DAY))
    queries = [r for r in seen if r.url.path.endswith("/query")]
    assert len(queries) == 2 and queries[1].url.params["$skiptoken"] == "abc"
    body = json.loads(queries[0].content)
    assert queries[0].url.params["api-version"] == "2023-11-01"
    assert queries[0].url.path == "/subscriptions/sub-1/resourceGroups/rg-ai/providers/Microsoft.CostManagement/query"
    assert body["type"] == "ActualCost" and body["timeframe"] == "Custom"
    assert body["timePeriod"] == {"from": "2025-08-01T00:00:00Z", "to": "2025-08-01T23:59:59Z"}
    assert body["dataset"]["granularity"] == "Daily" and len(body["dataset"]["grouping"]) <= 2
    assert json.loads(queries[1].content) == body
    assert len(rows) == 4
    assert (
        rows[0].amount == Decimal("1.234567") and rows[0].currency == "USD" and rows[0].usage_date == date(2025, 8, 1)
    )
    assert rows[0].line_item == "gpt-4o-0806 Inp glbl Tokens" and rows[0].project_id == "acct-ai"


def test_cost_qpu_throttle_header_honoured(sleeps):
    c, _ = make(
        router(
            cost_status=[
                httpx.Response(429, headers={"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "15"}),
                httpx.Response(200, json=load("azure_cost_query.json")),
            ]
        ),
        sleeps,
    )
    assert len(list(c.iter_costs(DAY))) == 2 and sleeps == [15.0]


def test_cost_missing_column_is_response_error(sleeps):
    bad = load("azure_cost_query.json")
    bad["properties"]["columns"][1]["name"] = "SomethingElse"
    c, _ = make(router(cost_pages=[bad]), sleeps)
    with pytest.raises(ProviderResponseError):
        list(c.iter_costs(DAY))


def test_bad_client_secret_is_auth_error(sleeps):
    def handler(request):
        return httpx.Response(
            401,
            json={
                "error": "invalid_client",
                "error_description": f"AADSTS7000215: Invalid client secret provided {AZURE_SECRET}",
            },
        )

    c, seen = make(handler, sleeps)
    with pytest.raises(ProviderAuthError) as info:
        list(c.iter_usage(DAY))
    assert SECRET in str(info.value) and AZURE_SECRET not in str(info.value) and len(seen) == 1


def test_token_endpoint_outage_is_retried_once_not_nested(sleeps):
    c, seen = make(lambda r: httpx.Response(503), sleeps)
    from genai_costs.errors import ProviderUnavailableError

    with pytest.raises(ProviderUnavailableError):
        list(c.iter_usage(DAY))
    assert len(seen) == 5  # default max_attempts, all on the token endpoint


def test_model_from_deployments_list_when_metrics_lack_model_dimension(sleeps):
    metrics = load("azure_metrics.json")
    for item in metrics["value"]:
        for series in item["timeseries"]:
            series["metadatavalues"] = [m for m in series["metadatavalues"] if m["name"]["value"] != "modelname"]
    base = router()

    def handler(request):
        if request.url.path.endswith("/metrics"):
            return httpx.Response(200, json=metrics)
        return base(request)

    c, _ = make(handler, sleeps)
    models = {r.deployment: r.model for r in c.iter_usage(DAY)}
    assert models == {"chat-prod": "gpt-4o", "batch-nightly": "gpt-4o-mini"}


@pytest.mark.parametrize(
    "sku, location, region",
    [
        ("GlobalStandard", "eastus", None),  # Global: one price everywhere
        ("GlobalBatch", "swedencentral", None),
        ("DataZoneStandard", "eastus2", "us"),  # Data Zone: priced per zone
        ("DataZoneBatch", "westeurope", "eu"),
        ("DataZoneProvisionedManaged", "Sweden Central", "eu"),
        ("Standard", "eastus", "eastus"),  # Regional: priced per region
        ("ProvisionedManaged", "japaneast", "japaneast"),
        ("DataZoneStandard", "japaneast", None),  # no Data Zone known for the region
        ("Standard", None, None),  # location not configured
        (None, "eastus", None),
    ],
)
def test_price_region_of_a_deployment(sku, location, region):
    from genai_costs.providers.azure_openai import price_region

    assert price_region(sku, location) == region


def test_usage_rows_carry_the_price_region_of_their_deployment(sleeps):
    deployments = load("azure_deployments.json")
    deployments["value"][0]["sku"]["name"] = "DataZoneStandard"  # chat-prod; batch-nightly stays GlobalBatch
    base = router()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/deployments"):
            return httpx.Response(200, json=deployments)
        return base(request)

    http, _ = mock_client(handler)
    client = build_client(
        "azure_openai", CREDS, secret_name=SECRET, http=http, sleep=sleeps, options={"account_location": "eastus2"}
    )
    regions = {(r.deployment, r.service_tier, r.region) for r in client.iter_usage(DAY)}
    assert regions == {("chat-prod", "DataZoneStandard", "us"), ("batch-nightly", "GlobalBatch", None)}
