"""The invocations runner: Bedrock model invocation logs read from the simulator's CloudWatch Logs through
boto3, one row per request, bad records quarantined with their reason, the window replaced exactly once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from genai_costs.errors import ConfigurationError, WarehouseError
from genai_costs.ingestion.invocation_logs import ingest_invocation_logs
from genai_costs.model.messages import PaygMessage
from genai_costs.providers.aws_bedrock_invocation_logs import (
    BedrockInvocationLogClient,
    FilteredLogEvent,
    InvocationRecord,
    QuarantinedInvocation,
)
from genai_costs.secrets.local import LocalSecretStore
from provider_sim import SimConfig, serve
from provider_sim.catalog import INVOCATION_LOG_GROUP

SECRET = "sim-aws-SECRET-0123456789"
WINDOW = {"start_date": "2025-10-08", "end_date": "2025-10-10"}
REQUESTS = "genai_invocations_aws_bedrock_requests"
QUARANTINE = "genai_invocations_aws_bedrock_quarantine"


@pytest.fixture(scope="module")
def simulator():
    base_url, stop = serve(SimConfig(start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 11)))
    yield base_url
    stop()


@pytest.fixture
def env(acme_warehouse, tmp_path, simulator):
    warehouse = acme_warehouse
    store = LocalSecretStore(tmp_path / "s", tmp_path / "k")
    creds = {
        "aws_access_key_id": "AKIASIMULATOR0000001",
        "aws_secret_access_key": SECRET,
        "logs_endpoint_url": f"{simulator}/aws/logs",
        "invocation_log_group": INVOCATION_LOG_GROUP,
    }
    store.put("genai-acme-aws_bedrock", json.dumps(creds))
    return warehouse, store


def run(env, **kw):
    wh, store = env
    message = PaygMessage(org_slug="acme", provider="aws_bedrock", source="invocation_logs", **WINDOW)
    return ingest_invocation_logs(message, warehouse=wh, secrets=store, **kw)


def table(wh, name):
    return wh.query("acme_prod", f"SELECT * FROM {name} WHERE usage_date >= '2025-01-01' ORDER BY record_id")


def test_a_window_lands_once_per_request_and_a_rerun_changes_nothing(env) -> None:
    wh, _ = env
    first = run(env)
    rows, bad = table(wh, REQUESTS), table(wh, QUARANTINE)
    assert first.rows_usage == len(rows) > 10_000 and first.rows_quarantined == len(bad) == 4  # 2 a day
    assert {r["usage_date"] for r in rows} == {dt.date(2025, 10, 8), dt.date(2025, 10, 9)}
    assert len({r["request_id"] for r in rows}) == len(rows)
    assert all(r["input_uncached_tokens"] + r["output_tokens"] > 0 for r in rows)
    assert sorted(r["reason"] for r in bad) == [
        "message is not JSON",
        "message is not JSON",
        "not a usable ModelInvocationLog record: input.inputTokenCount: Field required; output: Field required",
        "not a usable ModelInvocationLog record: input.inputTokenCount: Field required; output: Field required",
    ]
    run(env)
    strip = lambda rs: [{k: v for k, v in r.items() if k not in ("run_id", "ingested_at")} for r in rs]  # noqa: E731
    assert strip(table(wh, REQUESTS)) == strip(rows) and strip(table(wh, QUARANTINE)) == strip(bad)
    ledger = wh.query("acme_prod", "SELECT flow, provider, status FROM genai_ingestion_runs WHERE status != 'started'")
    assert ledger == [{"flow": "invocations", "provider": "aws_bedrock", "status": "succeeded"}] * 2


def test_only_payg_providers_with_invocation_logs_accept_the_source() -> None:
    with pytest.raises(ValueError, match="keeps no per-request invocation logs"):
        PaygMessage(org_slug="acme", provider="openai", source="invocation_logs")


def test_a_secret_without_a_log_group_is_a_configuration_error(env) -> None:
    wh, store = env
    creds = json.loads(store.get("genai-acme-aws_bedrock"))
    store.put("genai-acme-aws_bedrock", json.dumps({k: v for k, v in creds.items() if k != "invocation_log_group"}))
    with pytest.raises(ConfigurationError, match="invocation_log_group"):
        run(env)
    assert table(wh, REQUESTS) == []


def _client() -> BedrockInvocationLogClient:
    return BedrockInvocationLogClient.from_secret(
        {"aws_access_key_id": "AKIA", "aws_secret_access_key": "x", "invocation_log_group": "/g"}, secret_name="s"
    )


def _event(message: str, event_id: str = "1") -> FilteredLogEvent:
    return FilteredLogEvent(timestamp=1_759_900_000_000, message=message, eventId=event_id)


GOOD = {
    "schemaType": "ModelInvocationLog",
    "schemaVersion": "1.0",
    "timestamp": "2025-10-08T05:06:40.000Z",
    "accountId": "123456789012",
    "region": "us-east-1",
    "requestId": "5c1b9d8e-0000-4000-8000-000000000001",
    "modelId": "amazon.nova-lite-v1:0",
    "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/x/y"},
    "input": {"inputTokenCount": 1200, "cacheReadInputTokenCount": 300},
    "output": {"outputTokenCount": 80},
}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("{not json", "message is not JSON"),
        ("[1, 2]", "message is not a JSON object"),
        (json.dumps(GOOD | {"schemaType": "Other"}), "schemaType: Input should be 'ModelInvocationLog'"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "requestId"}), "requestId: Field required"),
        (json.dumps(GOOD | {"output": {"outputTokenCount": -1}}), "output.outputTokenCount: Input should be greater"),
        (json.dumps(GOOD | {"output": {"outputTokenCount": "80"}}), "output.outputTokenCount: Input should be a valid"),
    ],
)
def test_bad_records_are_quarantined_with_the_reason(message: str, reason: str) -> None:
    parsed = _client().parse(_event(message), dt.datetime(2025, 10, 8, tzinfo=dt.UTC))
    assert isinstance(parsed, QuarantinedInvocation) and reason in parsed.reason
    assert parsed.record["message"] == message[:2000] and parsed.record["eventId"] == "1"


def test_a_good_record_splits_its_tokens() -> None:
    parsed = _client().parse(_event(json.dumps(GOOD)), dt.datetime(2025, 10, 8, 5, 6, 41, tzinfo=dt.UTC))
    assert isinstance(parsed, InvocationRecord)
    assert (parsed.input_uncached_tokens, parsed.input_cached_tokens, parsed.output_tokens) == (1200, 300, 80)
    assert parsed.occurred_at == dt.datetime(2025, 10, 8, 5, 6, 40, tzinfo=dt.UTC)
    assert parsed.identity_arn.endswith("/x/y") and parsed.service_tier is None


class FakeLogs:
    """A client serving fixed log events (to serve one twice, or two versions of one request)."""

    def __init__(self, messages: list[tuple[str, str]]) -> None:
        self.inner, self.messages = _client(), messages

    def iter_invocations(self, window):
        for event_id, message in self.messages:
            yield self.inner.parse(_event(message, event_id), dt.datetime(2025, 10, 8, 5, tzinfo=dt.UTC))

    def close(self) -> None:
        pass


def test_a_request_served_twice_is_stored_once_and_two_versions_refuse_the_write(env) -> None:
    wh, _ = env
    same = json.dumps(GOOD)
    # the same log event twice, and the same record delivered again in another log event
    run(env, client_factory=lambda *a, **k: FakeLogs([("1", same), ("1", same), ("2", same)]))
    assert [r["log_event_id"] for r in table(wh, REQUESTS)] == ["1"]
    other = json.dumps(GOOD | {"output": {"outputTokenCount": 81}})
    with pytest.raises(WarehouseError, match="different versions"):
        run(env, client_factory=lambda *a, **k: FakeLogs([("1", same), ("2", other)]))
    rows = table(wh, REQUESTS)
    assert [r["output_tokens"] for r in rows] == [80]  # the previous run's row, untouched
