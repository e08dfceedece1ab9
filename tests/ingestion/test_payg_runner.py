"""The payg runner: idempotent window replace, quarantine, all-or-nothing on provider failure."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal

import pytest

from genai_costs.errors import ConfigurationError, ProviderAuthError, ProviderResponseError, ProviderUnavailableError
from genai_costs.ingestion.payg import ingest_payg
from genai_costs.model.messages import PaygMessage
from genai_costs.model.records import CostRecord, UsageRecord
from genai_costs.secrets.local import LocalSecretStore

UTC = dt.UTC
WINDOW = {"start_date": "2026-11-01", "end_date": "2026-11-04"}
KEY = "sk-admin-SUPERSECRET-0123456789"


def usage(day: int, hour: int, model="gpt-4o", cached=40, total=None) -> UsageRecord:
    return UsageRecord(
        provider="openai",
        source="openai.usage.completions",
        bucket_start=dt.datetime(2026, 11, day, hour, tzinfo=UTC),
        bucket_width="1h",
        model=model,
        project_id="proj_a",
        input_uncached_tokens=100,
        input_cached_tokens=cached,
        output_tokens=50,
        requests=3,
        provider_total_tokens=190 if total is None else total,
    )


class FakeClient:
    def __init__(self, records, costs=(), fail_after=None, exc=None):
        self.records, self.costs, self.fail_after, self.exc = list(records), list(costs), fail_after, exc
        self.closed = 0

    def iter_usage(self, window):
        for i, r in enumerate(self.records):
            if self.fail_after is not None and i == self.fail_after:
                raise self.exc
            yield r

    def iter_costs(self, window):
        yield from self.costs

    def close(self):
        self.closed += 1


@pytest.fixture
def env(acme_warehouse, tmp_path):
    warehouse = acme_warehouse
    store = LocalSecretStore(tmp_path / "s", tmp_path / "k")
    store.put("genai-acme-openai", json.dumps({"admin_api_key": KEY}))
    return warehouse, store


def run(env, client, message=None):
    wh, store = env
    return ingest_payg(
        message or PaygMessage(org_slug="acme", provider="openai", **WINDOW),
        warehouse=wh,
        secrets=store,
        client_factory=lambda *a, **k: client,
    )


def table(wh, name, where="usage_date >= '2026-01-01'"):
    return wh.query("acme_prod", f"SELECT * FROM {name} WHERE {where} ORDER BY record_id")


def snapshot(wh):
    rows = table(wh, "genai_payg_openai_usage")
    return [{k: v for k, v in r.items() if k not in ("run_id", "ingested_at")} for r in rows]


def test_same_window_three_times_gives_identical_tables(env):
    wh, _ = env
    client = FakeClient(
        [usage(d, h) for d in (1, 2, 3) for h in (0, 5)],
        [
            CostRecord(
                provider="openai",
                source="openai.costs",
                usage_date=dt.date(2026, 11, 1),
                line_item="gpt-4o, input",
                amount=Decimal("0.000375"),
                currency="usd",
            )
        ],
    )
    results = [run(env, client) for _ in range(3)]
    assert {r.rows_usage for r in results} == {6}
    first = snapshot(wh)
    assert len(first) == 6 and sum(r["input_cached_tokens"] for r in first) == 240
    assert snapshot(wh) == first
    costs = table(wh, "genai_payg_openai_costs")
    assert len(costs) == 1 and costs[0]["amount"] == Decimal("0.000375") and costs[0]["currency"] == "USD"
    ledger = wh.query("acme_prod", "SELECT status, COUNT(*) AS n FROM genai_ingestion_runs GROUP BY status ORDER BY 1")
    assert ledger == [{"status": "started", "n": 3}, {"status": "succeeded", "n": 3}]


def test_rerun_replaces_only_its_window(env):
    wh, _ = env
    run(env, FakeClient([usage(d, 1) for d in (1, 2, 3)]))
    # Provider revises day 3 only; a run over [3, 4) must leave days 1-2 alone.
    revised = usage(3, 1).model_copy(update={"output_tokens": 60, "provider_total_tokens": 200})
    run(
        env,
        FakeClient([revised]),
        PaygMessage(org_slug="acme", provider="openai", start_date="2026-11-03", end_date="2026-11-04"),
    )
    by_day = {r["usage_date"].day: r["output_tokens"] for r in table(wh, "genai_payg_openai_usage")}
    assert by_day == {1: 50, 2: 50, 3: 60}


def test_rows_breaking_the_invariant_are_quarantined_not_loaded(env):
    wh, _ = env
    result = run(env, FakeClient([usage(1, 0), usage(1, 1, total=999)]))
    assert (result.rows_usage, result.rows_quarantined) == (1, 1)
    (q,) = table(wh, "genai_payg_openai_quarantine")
    assert "sum to 190 but the provider reports 999" in q["reason"]
    assert json.loads(q["record"])["provider_total_tokens"] == 999


def test_a_record_served_twice_is_stored_once(env):
    wh, _ = env
    result = run(env, FakeClient([usage(1, 0), usage(1, 0)]))
    assert (result.rows_usage, result.rows_quarantined) == (1, 0)
    assert len(table(wh, "genai_payg_openai_usage")) == 1


@pytest.mark.parametrize(
    "exc, transient",
    [
        (ProviderUnavailableError("503 after 5 attempts"), True),
        (ProviderAuthError("401 from openai for secret genai-acme-openai"), False),
    ],
)
def test_failure_mid_stream_writes_nothing_and_is_ledgered(env, exc, transient):
    wh, _ = env
    run(env, FakeClient([usage(d, 1) for d in (1, 2, 3)]))
    before = snapshot(wh)
    with pytest.raises(type(exc)) as info:
        run(
            env,
            FakeClient(
                [usage(d, 1).model_copy(update={"output_tokens": 1, "provider_total_tokens": 141}) for d in (1, 2, 3)],
                fail_after=2,
                exc=exc,
            ),
        )
    assert info.value.transient is transient
    assert snapshot(wh) == before
    (failed,) = wh.query("acme_prod", "SELECT error, error_kind FROM genai_ingestion_runs WHERE status = 'failed'")
    assert failed["error_kind"] == type(exc).__name__


def test_data_outside_the_window_is_refused(env):
    with pytest.raises(ProviderResponseError, match="outside the requested window"):
        run(env, FakeClient([usage(5, 0)]))


def test_missing_secret_and_unknown_org_are_permanent_errors(env, warehouse):
    wh, store = env
    with pytest.raises(ConfigurationError, match="genai-acme-anthropic is missing"):
        ingest_payg(PaygMessage(org_slug="acme", provider="anthropic", **WINDOW), warehouse=wh, secrets=store)
    with pytest.raises(ConfigurationError, match="not onboarded"):
        ingest_payg(PaygMessage(org_slug="other", provider="openai", **WINDOW), warehouse=wh, secrets=store)


def test_credential_never_reaches_logs_or_ledger(env, caplog):
    wh, _ = env
    caplog.set_level("DEBUG")
    with pytest.raises(ProviderAuthError):
        run(env, FakeClient([usage(1, 0)], fail_after=0, exc=ProviderAuthError(f"rejected key {KEY}")))
    ledger = json.dumps(wh.query("acme_prod", "SELECT * FROM genai_ingestion_runs"), default=str)
    assert KEY not in caplog.text and KEY not in ledger and "[REDACTED]" in ledger


@pytest.mark.parametrize(
    "client",
    [
        FakeClient([usage(1, 0)]),
        FakeClient([usage(1, 0)], fail_after=0, exc=ProviderUnavailableError("503")),
        FakeClient([usage(1, 0)], fail_after=0, exc=KeyError("unexpected response shape")),
        FakeClient([usage(5, 0)]),  # outside the window: refused by the runner, not the client
    ],
    ids=["success", "provider-failure", "unexpected-exception", "runner-refusal"],
)
def test_provider_client_is_closed_once_whatever_happens(env, client):
    """A warm function instance runs many invocations: a client left open leaks its connection pool."""
    with contextlib.suppress(ProviderResponseError, ProviderUnavailableError):
        run(env, client)
    assert client.closed == 1


def test_unexpected_exception_is_ledgered_and_raised_as_transient_provider_error(env):
    wh, _ = env
    with pytest.raises(ProviderResponseError, match="unexpected failure: KeyError") as info:
        run(env, FakeClient([usage(1, 0)], fail_after=0, exc=KeyError("usage_bucket")))
    assert info.value.transient and info.value.provider == "openai"
    (failed,) = wh.query("acme_prod", "SELECT error, error_kind FROM genai_ingestion_runs WHERE status = 'failed'")
    assert failed["error_kind"] == "KeyError" and "usage_bucket" in failed["error"]
