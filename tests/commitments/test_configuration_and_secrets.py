"""Missing or bad commitment configuration fails clearly with nothing written; credentials never leak."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import date, timedelta

import pytest

from genai_costs.errors import ConfigurationError, ProviderAuthError, ProviderResponseError
from genai_costs.ingestion.commitment import ingest_commitment
from genai_costs.model.messages import CommitmentMessage

from .conftest import MONTH, SECRET_VALUES, add_subscription, credentials, rows

WINDOW = {"start_date": "2025-10-09", "end_date": "2025-10-12"}


def run(env, kind, window=WINDOW):
    wh, store = env
    return ingest_commitment(
        CommitmentMessage(org_slug="acme", commitment_type=kind, **window), warehouse=wh, secrets=store
    )


def ledger(wh):
    return wh.query(
        "acme_prod",
        "SELECT status, error, error_kind FROM genai_ingestion_runs WHERE event_date >= '2000-01-01' ORDER BY event_at",
    )


def count(wh, table):
    return wh.query("acme_prod", f"SELECT COUNT(*) AS n FROM {table} WHERE usage_date >= '2000-01-01'")[0]["n"]


def bedrock_models(ds):
    return sorted(c.model for c in ds.commitments if c.provider == "bedrock")


def test_bedrock_without_a_price_names_table_model_and_field(env, sim):
    wh, _ = env
    with pytest.raises(ConfigurationError) as info:
        run(env, "bedrock_pt")
    message = str(info.value)
    assert "llm_subscriptions" in message and "commitment_type='bedrock_pt'" in message
    assert "unit_hourly_price_usd" in message and "provider='aws_bedrock'" in message
    assert any(f"model_id='{m}'" in message for m in bedrock_models(sim[1]))
    assert count(wh, "genai_commitment_aws_bedrock_capacity") == 0
    assert [(e["status"], e["error_kind"]) for e in ledger(wh)] == [("started", None), ("failed", "ConfigurationError")]
    assert "unit_hourly_price_usd" in ledger(wh)[-1]["error"]


def test_bedrock_row_without_price_is_named_and_earlier_data_survives(env, sim):
    wh, _ = env
    ds = sim[1]
    for c in ds.commitments:
        if c.provider == "bedrock":
            add_subscription(
                wh,
                provider="aws_bedrock",
                commitment_type="bedrock_pt",
                model_id=c.model,
                unit_hourly_price_usd=c.unit_hourly_usd,
                commitment_units=1,
            )
    run(env, "bedrock_pt")
    written = count(wh, "genai_commitment_aws_bedrock_capacity")
    assert written > 0
    # The price of one model is removed: the next run fails before touching the stored window.
    wh.execute(
        "acme_prod",
        "UPDATE llm_subscriptions SET unit_hourly_price_usd = NULL "
        "WHERE commitment_type = 'bedrock_pt' AND model_id = @m",
        {"m": bedrock_models(ds)[0]},
    )
    row_id = wh.query(
        "acme_prod", "SELECT subscription_id FROM llm_subscriptions WHERE model_id = @m", {"m": bedrock_models(ds)[0]}
    )[0]["subscription_id"]
    with pytest.raises(ConfigurationError, match=f"llm_subscriptions row {row_id}.*unit_hourly_price_usd"):
        run(env, "bedrock_pt")
    assert count(wh, "genai_commitment_aws_bedrock_capacity") == written
    assert ledger(wh)[-1]["status"] == "failed"


def test_vertex_gsu_without_an_order_names_what_to_configure(env):
    wh, _ = env
    with pytest.raises(ConfigurationError) as info:
        run(env, "vertex_gsu")
    message = str(info.value)
    for needed in (
        "llm_subscriptions",
        "provider='vertex_ai'",
        "commitment_type='vertex_gsu'",
        "model_id",
        "commitment_units",
        "unit_hourly_price_usd",
        "commitment_start_date",
    ):
        assert needed in message
    assert count(wh, "genai_commitment_vertex_ai_capacity") == 0
    assert ledger(wh)[-1]["error_kind"] == "ConfigurationError"


def test_vertex_gsu_order_missing_a_field_is_named(env):
    wh, _ = env
    row_id = add_subscription(
        wh,
        provider="vertex_ai",
        commitment_type="vertex_gsu",
        model_id="gemini-2.5-flash",
        commitment_units=2,
        commitment_start_date=date(2025, 10, 4),
        plan_name="GSU_FLASH",
    )
    with pytest.raises(ConfigurationError) as info:
        run(env, "vertex_gsu")
    assert f"llm_subscriptions row {row_id} (plan_name 'GSU_FLASH')" in str(info.value)
    assert "lacks unit_hourly_price_usd" in str(info.value)
    assert count(wh, "genai_commitment_vertex_ai_capacity") == 0


def test_credentials_never_appear_in_logs_errors_or_ledger(env, sim, caplog):
    wh, store = env
    caplog.set_level(logging.DEBUG)
    seen = []
    run(env, "azure_ptu")  # success, authenticated calls
    run(env, "vertex_gpu", {"start_date": "2025-10-01", "end_date": "2025-10-02"})
    with pytest.raises(ConfigurationError) as missing:
        run(env, "bedrock_pt")  # failure after the AWS calls
    seen.append(str(missing.value))
    # Credentials rejected by the provider: the error names the secret, never its values.
    rejected = {**credentials(sim[0])["azure_openai"], "access_token": "sim-azure-token-expired"}
    store.put("genai-acme-azure_openai", json.dumps(rejected))
    with pytest.raises(ProviderAuthError) as auth:
        run(env, "azure_ptu")
    seen.append(str(auth.value))
    assert "genai-acme-azure_openai" in str(auth.value)
    text = caplog.text + "\n".join(seen) + json.dumps([e["error"] for e in ledger(wh)])
    for value in (*SECRET_VALUES, "sim-azure-token-expired"):
        assert value not in text, value
    assert rows(wh, "genai_commitment_azure_openai_capacity")  # the first run's rows are still there


def test_window_without_commitments_writes_nothing_and_succeeds(env):
    _wh, _ = env
    result = run(env, "bedrock_pt", {"start_date": "2025-08-01", "end_date": "2025-08-02"})
    assert result.status == "succeeded" and result.rows_usage == 0


def test_month_message_window_is_used(env, sim):
    result = run(env, "azure_ptu", MONTH)
    assert result.rows_usage == 31 * 24 and result.window.end - result.window.start == timedelta(days=31)


class _Source:
    """A commitment source that yields nothing or fails, and counts how often it is closed."""

    provider, commitment_type = "vertex_ai", "vertex_gpu"

    def __init__(self, failure: Exception | None) -> None:
        self.failure, self.closed = failure, 0

    def iter_hours(self, window):
        if self.failure:
            raise self.failure
        return iter(())

    def close(self) -> None:
        self.closed += 1


@pytest.mark.parametrize("failure", [None, ProviderAuthError("401"), ValueError("bad page")], ids=str)
def test_commitment_source_is_closed_on_success_and_on_failure(env, failure):
    wh, store = env
    source = _Source(failure)
    message = CommitmentMessage(org_slug="acme", commitment_type="vertex_gpu", **WINDOW)
    with contextlib.suppress(ProviderAuthError, ProviderResponseError):
        ingest_commitment(message, warehouse=wh, secrets=store, client_factory=lambda *a, **k: source)
    assert source.closed == 1
    assert ledger(wh)[-1]["status"] == ("succeeded" if failure is None else "failed")
