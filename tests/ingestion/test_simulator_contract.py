"""Pay-as-you-go ingestion against the provider simulator, for all six providers, through the
real clients (httpx, boto3, google-cloud-bigquery) over loopback: idempotent, complete, and
clean under injected faults."""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal

import httpx
import pytest

from genai_costs.errors import ProviderAuthError
from genai_costs.ingestion.payg import ingest_payg
from genai_costs.model.messages import PaygMessage
from genai_costs.providers.ids import PROVIDERS
from genai_costs.secrets.local import LocalSecretStore
from genai_costs_cli.local.simulator_credentials import simulator_credentials

# Recent days, so the console views (which look back 90 days from today) see them.
END = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=4)
START = END - dt.timedelta(days=3)
SIM_NAMES = {
    "openai": "openai",
    "anthropic": "anthropic",
    "azure_openai": "azure",
    "aws_bedrock": "aws",
    "vertex_ai": "gcp",
    "gemini": "gcp",
}


@pytest.fixture(scope="module")
def simulator():
    from provider_sim.config import SimConfig
    from provider_sim.server import serve

    base_url, stop = serve(SimConfig(org="acme", start=START, end=END))
    yield base_url
    stop()


@pytest.fixture
def env(acme_warehouse, tmp_path, simulator):
    warehouse = acme_warehouse
    store = LocalSecretStore(tmp_path / "s", tmp_path / "k")
    creds = simulator_credentials(simulator, "acme", 42)
    for provider, secret in creds.items():
        store.put(f"genai-acme-{provider}", json.dumps(secret))
    httpx.delete(f"{simulator}/_sim/faults")
    httpx.post(f"{simulator}/_sim/revision", json={"revision": 0})
    return warehouse, store, creds


def ingest(env, provider, start=START, end=END):
    wh, store, _ = env
    return ingest_payg(
        PaygMessage(org_slug="acme", provider=provider, start_date=start, end_date=end), warehouse=wh, secrets=store
    )


def table_state(wh, provider):
    usage = wh.query(
        "acme_prod",
        f"SELECT COUNT(*) AS n, SUM(provider_total_tokens) AS tokens, "
        f"SUM(input_cached_tokens) AS cached FROM genai_payg_{provider}_usage "
        f"WHERE usage_date >= '2000-01-01'",
    )[0]
    costs = wh.query(
        "acme_prod",
        f"SELECT COUNT(*) AS n, SUM(amount) AS amount FROM genai_payg_{provider}_costs "
        f"WHERE usage_date >= '2000-01-01'",
    )[0]
    return usage, costs


@pytest.mark.parametrize("provider", PROVIDERS)
def test_same_window_three_times_gives_identical_tables(env, provider):
    states = []
    for _ in range(3):
        result = ingest(env, provider)
        assert result.rows_usage > 0 and result.rows_quarantined == 0
        states.append(table_state(env[0], provider))
    assert states[0] == states[1] == states[2]
    usage, costs = states[0]
    assert usage["tokens"] > 0 and costs["n"] > 0 and costs["amount"] > 0


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_computed_cost_matches_provider_cost_for_every_priced_model(env, provider):
    """Capture rate: for models the catalog prices, our cost equals the provider's own cost."""
    from genai_costs.consolidation import consolidate
    from genai_costs.model.messages import ConsolidateMessage

    wh = env[0]
    ingest(env, provider)
    consolidate(ConsolidateMessage(org_slug="acme", start_date=START, end_date=END), warehouse=wh)
    rows = wh.query(
        "acme_prod",
        f"""
        WITH computed AS (
          SELECT model, SUM(cost_usd) AS cost, LOGICAL_AND(cost_status = 'priced') AS all_priced
          FROM genai_costs_daily_unified WHERE usage_date >= '2000-01-01' AND provider = '{provider}' GROUP BY model),
        reported AS (SELECT model, SUM(amount) AS cost FROM genai_payg_{provider}_costs
          WHERE usage_date >= '2000-01-01' GROUP BY model)
        SELECT c.model, c.cost AS computed, r.cost AS reported FROM computed c JOIN reported r ON r.model = c.model
        WHERE c.all_priced""",
    )
    assert len(rows) >= 2
    for r in rows:
        assert abs(r["computed"] - r["reported"]) <= Decimal("0.000001") * max(len(rows), 1), r


FAULT_CASES = [
    ("openai", "429"),
    ("openai", "truncated"),
    ("anthropic", "500"),
    ("anthropic", "truncated"),
    ("aws_bedrock", "truncated"),
    ("aws_bedrock", "500"),
    ("azure_openai", "429"),
    ("vertex_ai", {"kind": "slow", "ms": 50}),
    ("vertex_ai", "500"),
    ("gemini", "truncated"),
]


@pytest.mark.parametrize(
    "provider, fault", FAULT_CASES, ids=[f"{p}-{f if isinstance(f, str) else 'slow'}" for p, f in FAULT_CASES]
)
def test_transient_faults_are_retried_to_the_same_result(env, simulator, provider, fault, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)  # honour Retry-After without waiting for it
    ingest(env, provider)
    clean = table_state(env[0], provider)
    httpx.delete(f"{simulator}/_sim/requests")
    httpx.post(f"{simulator}/_sim/faults", json={"provider": SIM_NAMES[provider], "faults": ["ok", fault]})
    ingest(env, provider)
    assert table_state(env[0], provider) == clean
    log = httpx.get(f"{simulator}/_sim/requests").json()
    entries = log.get("requests", log) if isinstance(log, dict) else log
    assert any(entry.get("fault") for entry in entries), "the fault was never served: the test proved nothing"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rejected_credentials_fail_cleanly_and_never_leak(env, simulator, provider, caplog):
    wh, _store, creds = env
    ingest(env, provider)
    before = table_state(wh, provider)
    caplog.set_level(logging.DEBUG)
    httpx.post(f"{simulator}/_sim/faults", json={"provider": SIM_NAMES[provider], "faults": ["ok", "expired_key"] * 3})
    with pytest.raises(ProviderAuthError) as info:
        ingest(env, provider, start=START, end=END)
    assert f"genai-acme-{provider}" in str(info.value)
    assert table_state(wh, provider) == before  # nothing written for that window
    failed = wh.query("acme_prod", "SELECT error FROM genai_ingestion_runs WHERE status = 'failed'")
    assert failed
    secret_values = [v for k, v in creds[provider].items() if k in SECRET_KEYS]
    assert secret_values
    text = caplog.text + str(info.value) + json.dumps(failed, default=str)
    for value in secret_values:
        assert value not in text, "a credential value reached logs, errors or the ledger"


def test_late_revisions_change_only_the_last_days(env, simulator):
    wh = env[0]
    ingest(env, "openai")

    def by_day():
        return {
            r["d"]: r["t"]
            for r in wh.query(
                "acme_prod",
                (
                    "SELECT usage_date AS d, SUM(provider_total_tokens) AS t FROM genai_payg_openai_usage "
                    "WHERE usage_date >= '2000-01-01' GROUP BY 1"
                ),
            )
        }

    before = by_day()
    httpx.post(f"{simulator}/_sim/revision", json={"revision": 1})
    ingest(env, "openai", start=END - dt.timedelta(days=3), end=END)  # the trailing re-pull
    after = by_day()
    assert after[START] == before[START]
    assert after[END - dt.timedelta(days=1)] > before[END - dt.timedelta(days=1)]


SECRET_KEYS = {"admin_api_key", "client_secret", "aws_secret_access_key", "aws_session_token", "access_token"}


def test_every_model_gap_is_explained(env):
    """OpenAI: every (day, model) either matches the provider's cost or is explained by usage we
    could not price; a model with unpriced tokens is never 'matched', and its gap is explained in dollars."""
    from genai_costs.consolidation import consolidate
    from genai_costs.model.messages import ConsolidateMessage

    wh = env[0]
    ingest(env, "openai")
    consolidate(ConsolidateMessage(org_slug="acme", start_date=START, end_date=END), warehouse=wh)
    rows = wh.query(
        "acme_prod",
        "SELECT status, unpriced_tokens, difference_usd, explained_usd, unexplained_usd "
        "FROM genai_reconciliation_by_model WHERE provider = 'openai'",
    )
    by: dict[str, int] = {}
    for r in rows:
        by[r["status"]] = by.get(r["status"], 0) + 1
        assert r["explained_usd"] + r["unexplained_usd"] == r["difference_usd"]
        if r["unpriced_tokens"]:
            assert r["status"] == "unpriced", r
    assert by.get("matched", 0) >= 3 and by.get("unpriced", 0) >= 1
    assert set(by) <= {"matched", "unpriced", "pending"}, by
    assert sum(r["unexplained_usd"] for r in rows) == 0
