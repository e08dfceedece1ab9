"""Vertex AI + Gemini: Monitoring REST (mock transport) and the billing export (fake BigQuery client)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from genai_costs.errors import ConfigurationError, ProviderAuthError, ProviderResponseError
from genai_costs.model.window import Window
from genai_costs.providers.gcp_billing_export import render_sql, validate_table
from genai_costs.providers.gcp_monitoring import GcpCredentials
from genai_costs.providers.registry import build_client
from genai_costs.providers.vertex_ai import VertexAIClient, VertexOptions

from .helpers import GCP_TOKEN, load, mock_client, sequence

DAY = Window(start=date(2025, 8, 1), end=date(2025, 8, 2))
CREDS = {
    "project_id": "acme-ai",
    "access_token": GCP_TOKEN,
    "monitoring_base_url": "https://mon.test",
    "billing_export_table": "billing-proj.billing_ds.gcp_billing_export_v1_0123AB_CDEF45_6789AB",
}


def vertex(handler, sleeps):
    http, seen = mock_client(handler)
    return build_client("vertex_ai", CREDS, secret_name="genai-acme-vertex_ai", http=http, sleep=sleeps), seen


def test_vertex_token_count_request_and_merge(sleeps):
    c, seen = vertex(sequence(httpx.Response(200, json=load("gcp_vertex_token_count.json"))), sleeps)
    r0, r1 = list(c.iter_usage(DAY))
    q = seen[0].url.params
    assert seen[0].url.path == "/v3/projects/acme-ai/timeSeries"
    assert seen[0].headers["authorization"] == f"Bearer {GCP_TOKEN}"
    assert 'metric.type="aiplatform.googleapis.com/publisher/online_serving/token_count"' in q["filter"]
    assert q["interval.startTime"] == "2025-08-01T00:00:00Z" and q["interval.endTime"] == "2025-08-02T00:00:00Z"
    assert q["aggregation.alignmentPeriod"] == "3600s" and q["aggregation.perSeriesAligner"] == "ALIGN_SUM"
    assert q["aggregation.crossSeriesReducer"] == "REDUCE_SUM"
    assert q.get_list("aggregation.groupByFields") == [
        "metric.label.type",
        "resource.label.model_user_id",
        "resource.label.location",
        "metric.label.request_type",
    ]
    assert r0.bucket_start == datetime(2025, 8, 1, 0, tzinfo=UTC)
    assert (r0.input_uncached_tokens, r0.output_tokens, r0.provider_total_tokens) == (1000, 250, 1250)
    assert (r0.model, r0.region, r0.service_tier, r0.project_id, r0.source) == (
        "gemini-2.0-flash-001",
        "us-central1",
        "shared",
        "acme-ai",
        "gcp.monitoring.token_count",
    )
    assert (r1.input_uncached_tokens, r1.output_tokens) == (4200, 0) and r1.invariant_violation() is None


def test_vertex_unknown_type_is_quarantined_not_dropped(sleeps):
    body = load("gcp_vertex_token_count.json")
    body["timeSeries"][1]["metric"]["labels"]["type"] = "cached_input"
    c, _ = vertex(sequence(httpx.Response(200, json=body)), sleeps)
    r0 = next(iter(c.iter_usage(DAY)))
    assert r0.provider_total_tokens == 1250 and r0.invariant_violation() is not None


def test_vertex_three_pages_and_loop_guard(sleeps):
    body = load("gcp_vertex_token_count.json")
    pages = {
        None: {**body, "nextPageToken": "p2"},
        "p2": {"timeSeries": [], "nextPageToken": "p3"},
        "p3": {"timeSeries": []},
    }
    c, seen = vertex(lambda r: httpx.Response(200, json=pages[r.url.params.get("pageToken")]), sleeps)
    assert len(list(c.iter_usage(DAY))) == 2 and len(seen) == 3

    c, _ = vertex(lambda r: httpx.Response(200, json={**body, "nextPageToken": "same"}), sleeps)
    with pytest.raises(ProviderResponseError):
        list(c.iter_usage(DAY))


def test_vertex_403_names_secret(sleeps):
    c, _ = vertex(lambda r: httpx.Response(403, json={"error": {"code": 403, "status": "PERMISSION_DENIED"}}), sleeps)
    with pytest.raises(ProviderAuthError) as info:
        list(c.iter_usage(DAY))
    assert "genai-acme-vertex_ai" in str(info.value) and GCP_TOKEN not in str(info.value)


def test_gemini_two_metrics_merged_per_model_hour(sleeps):
    def handler(request):
        f = request.url.params["filter"]
        name = "gcp_gemini_input_tokens.json" if "input_token_count" in f else "gcp_gemini_output_tokens.json"
        return httpx.Response(200, json=load(name))

    http, seen = mock_client(handler)
    c = build_client("gemini", CREDS, secret_name="genai-acme-gemini", http=http, sleep=sleeps)
    [r] = list(c.iter_usage(DAY))
    assert len(seen) == 2
    assert (
        seen[0].url.params["filter"]
        == 'metric.type="generativelanguage.googleapis.com/generate_content_usage_input_token_count"'
    )
    assert seen[0].url.params.get_list("aggregation.groupByFields") == ["metric.label.model"]
    assert (r.model, r.input_uncached_tokens, r.output_tokens, r.provider_total_tokens) == (
        "gemini-2.5-flash",
        777,
        123,
        900,
    )
    assert r.api_key_id is None and r.source == "gcp.monitoring.generativelanguage"


# -- the function's own identity (Application Default Credentials) is the default ---------------------
ADC_TOKEN = "ya29.TESTSECRET-adc-runtime-token"
NO_KEY = {k: v for k, v in CREDS.items() if k != "access_token"}


class RuntimeCredentials:
    """Stands in for the metadata-server credentials google.auth.default() gives a Cloud Function."""

    def __init__(self):
        self.token, self.valid, self.refreshes = None, False, 0

    def refresh(self, request):
        self.token, self.valid, self.refreshes = ADC_TOKEN, True, self.refreshes + 1


@pytest.fixture
def runtime_identity(monkeypatch):
    import google.auth

    creds, calls = RuntimeCredentials(), []

    def default(scopes=None, **kw):
        calls.append(scopes)
        return creds, "deploy-proj"

    monkeypatch.setattr(google.auth, "default", default)
    return creds, calls


def test_without_a_key_monitoring_uses_the_functions_own_identity(runtime_identity, sleeps):
    creds, calls = runtime_identity
    http, seen = mock_client(sequence(httpx.Response(200, json=load("gcp_vertex_token_count.json"))))
    client = build_client("vertex_ai", NO_KEY, secret_name="genai-acme-vertex_ai", http=http, sleep=sleeps)
    assert len(list(client.iter_usage(DAY))) == 2
    assert seen[0].headers["authorization"] == f"Bearer {ADC_TOKEN}"
    assert seen[0].url.path == "/v3/projects/acme-ai/timeSeries"  # the secret's project is still the one read
    assert calls == [["https://www.googleapis.com/auth/monitoring.read"]] and creds.refreshes == 1


def test_without_a_key_the_billing_query_runs_in_the_functions_project(runtime_identity, monkeypatch):
    from google.cloud import bigquery

    creds, _ = runtime_identity
    built = []
    monkeypatch.setattr(bigquery, "Client", lambda **kw: built.append(kw) or FakeBigQuery([]))
    client = VertexAIClient(GcpCredentials(**NO_KEY), secret_name="genai-acme-vertex_ai")
    assert list(client.iter_costs(DAY)) == []
    # The job runs where Terraform grants the function jobUser; the export is read across projects.
    assert built[0]["project"] == "deploy-proj" and built[0]["credentials"] is creds


def test_a_token_or_key_keeps_the_secrets_project_for_the_billing_query(monkeypatch):
    from google.cloud import bigquery

    built = []
    monkeypatch.setattr(bigquery, "Client", lambda **kw: built.append(kw) or FakeBigQuery([]))
    list(VertexAIClient(GcpCredentials(**CREDS), secret_name="s").iter_costs(DAY))
    assert built[0]["project"] == "acme-ai"


def test_without_a_key_or_runtime_identity_the_error_names_the_secret(monkeypatch, sleeps):
    import google.auth
    import google.auth.exceptions

    def no_adc(**kw):
        raise google.auth.exceptions.DefaultCredentialsError("no ADC")

    monkeypatch.setattr(google.auth, "default", no_adc)
    http, seen = mock_client(sequence(httpx.Response(200, json={})))
    client = build_client("gemini", {"project_id": "p"}, secret_name="genai-acme-gemini", http=http, sleep=sleeps)
    with pytest.raises(ProviderAuthError, match=r"genai-acme-gemini.*Application Default Credentials"):
        list(client.iter_usage(DAY))
    assert seen == []  # nothing was sent without credentials


# -- billing export ------------------------------------------------------------------------------
class FakeJob:
    def __init__(self, rows):
        self.rows = rows

    def result(self):
        return iter(self.rows)


class FakeBigQuery:
    def __init__(self, rows):
        self.rows, self.calls = rows, []

    def query(self, sql, job_config=None):
        self.calls.append((sql, job_config))
        return FakeJob(self.rows)


def test_table_name_validation_and_substitution():
    assert validate_table("my-proj.ds.t_1") == "my-proj.ds.t_1"
    for bad in ["proj.ds", "Proj.ds.t", "p.ds.t; DROP TABLE x", "p.ds.t`", "p.d s.t", "p.ds.t--"]:
        with pytest.raises(ConfigurationError):
            validate_table(bad)
    sql = render_sql("my-proj.ds.t_1")
    assert "`my-proj.ds.t_1`" in sql and "__BILLING_EXPORT_TABLE__" not in sql
    assert "@start_time" in sql and "@end_time" in sql


def test_billing_export_query_and_rows():
    rows = [
        {
            "usage_date": date(2025, 8, 1),
            "project_id": "acme-ai",
            "service_description": "Vertex AI",
            "sku_id": "AB-CD",
            "sku_description": "Gemini 2.0 Flash Input Text",
            "region": "us-central1",
            "currency": "USD",
            "cost": Decimal("12.345678"),
            "credits": Decimal("-2.000000"),
        },
    ]
    fake = FakeBigQuery(rows)
    c = VertexAIClient(
        GcpCredentials(**CREDS), secret_name="s", options=VertexOptions(), bigquery_client_factory=lambda: fake
    )
    c.billing.today = lambda: date(2025, 8, 20)
    gross, credit = list(c.iter_costs(DAY))
    sql, config = fake.calls[0]
    assert "`billing-proj.billing_ds.gcp_billing_export_v1_0123AB_CDEF45_6789AB`" in sql
    params = {p.name: p for p in config.query_parameters}
    assert params["start_time"].type_ == "TIMESTAMP" and params["start_time"].value == datetime(2025, 8, 1, tzinfo=UTC)
    assert params["end_time"].type_ == "TIMESTAMP" and params["end_time"].value == datetime(2025, 8, 2, tzinfo=UTC)
    assert params["service_description"].type_ == "STRING" and params["service_description"].value == "Vertex AI"
    assert gross.amount == Decimal("12.345678") and gross.line_item == "Gemini 2.0 Flash Input Text"
    assert credit.amount == Decimal("-2.000000") and credit.line_item.startswith("Credits: ")
    assert gross.is_estimated is False and gross.source == "gcp.billing_export"


def test_billing_export_skipped_without_table():
    creds = {k: v for k, v in CREDS.items() if k != "billing_export_table"}
    c = VertexAIClient(
        GcpCredentials(**creds),
        secret_name="s",
        bigquery_client_factory=lambda: (_ for _ in ()).throw(AssertionError("no query expected")),
    )
    assert list(c.iter_costs(DAY)) == []


def test_raw_export_rows_are_flattened_and_summed_per_day_and_sku():
    """Endpoints that answer with raw (hourly, SELECT *-shaped) export rows still give one record per key."""

    def raw(hour, region, cost, credits):
        return {
            "service": {"id": "AEFD-7695-64FA", "description": "Gemini API"},
            "sku": {"id": "1111-2222", "description": "Gemini 2.5 Flash Text Input - Predictions"},
            "usage_start_time": datetime(2025, 8, 1, hour, tzinfo=UTC),
            "project": {"id": "gen-lang-client-1", "name": "x"},
            "location": {"region": region},
            "cost": cost,
            "currency": "USD",
            "credits": [{"name": "free tier", "amount": a} for a in credits],
        }

    rows = [raw(0, "us-central1", 0.1, [-0.1]), raw(1, None, 0.2, []), raw(2, "europe-west4", 0.3, [])]
    fake = FakeBigQuery(rows)
    from genai_costs.providers.gemini import GeminiClient

    c = GeminiClient(GcpCredentials(**CREDS), secret_name="s", bigquery_client_factory=lambda: fake)
    records = list(c.iter_costs(DAY))
    assert len(fake.calls) == 2  # one query per configured service name
    gross = [r for r in records if not r.line_item.startswith("Credits")]
    credit = [r for r in records if r.line_item.startswith("Credits")]
    # two service-name queries each answered with the same fake rows -> only "Gemini API" rows kept
    assert [r.amount for r in gross] == [Decimal("0.6")] and [r.amount for r in credit] == [Decimal("-0.1")]
    assert gross[0].usage_date == date(2025, 8, 1) and gross[0].project_id == "gen-lang-client-1"
