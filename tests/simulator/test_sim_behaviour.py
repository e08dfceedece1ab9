"""Cross-provider behaviour: determinism, late revisions, fault injection, request log, streaming."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from provider_sim import Fault, FaultPlan, SimConfig
from provider_sim.dataset import Dataset

OPENAI_AUTH = {"Authorization": "Bearer sk-admin-sim-openai"}
ANTHROPIC_AUTH = {"x-api-key": "sk-ant-admin01-sim-anthropic", "anthropic-version": "2023-06-01"}
USAGE = "/openai/v1/organization/usage/completions"
OCT1 = 1759276800  # 2025-10-01T00:00:00Z
DAY = 86400
WINDOW_END = OCT1 + 10 * DAY  # conftest window is 2025-10-01 .. 2025-10-11


def daily_usage(client: httpx.Client) -> list[dict]:
    body = client.get(
        USAGE,
        params={"start_time": OCT1, "end_time": WINDOW_END, "limit": 31, "group_by": ["model", "project_id"]},
        headers=OPENAI_AUTH,
    ).json()
    return body["data"]


def test_same_seed_identical_bodies(client_for: Callable[..., httpx.Client]) -> None:
    a, b, other = client_for(), client_for(), client_for(seed=7)
    requests = [
        (USAGE, {"start_time": OCT1, "bucket_width": "1h", "group_by": ["model", "api_key_id"]}, OPENAI_AUTH),
        (
            "/anthropic/v1/organizations/cost_report",
            [("starting_at", "2025-10-02T00:00:00Z"), ("group_by[]", "description")],
            ANTHROPIC_AUTH,
        ),
    ]
    for path, params, headers in requests:
        assert (
            a.get(path, params=params, headers=headers).content == b.get(path, params=params, headers=headers).content
        )
        assert (
            a.get(path, params=params, headers=headers).content
            != other.get(path, params=params, headers=headers).content
        )


def test_hour_values_do_not_depend_on_window() -> None:
    hour = datetime(2025, 10, 5, 14, tzinfo=UTC)
    short = Dataset(SimConfig(start=hour.date(), end=hour.date().replace(day=6)))
    long = Dataset(SimConfig())
    assert short.hour_rows("anthropic", hour) == long.hour_rows("anthropic", hour)


def test_late_revision_changes_only_last_two_days(client: httpx.Client) -> None:
    before = daily_usage(client)
    assert client.post("/_sim/revision").json() == {"revision": 1}
    after = daily_usage(client)
    changed = [b["start_time"] for b, a in zip(before, after, strict=False) if b != a]
    assert changed == [WINDOW_END - 2 * DAY, WINDOW_END - DAY]

    def tokens(buckets: list[dict]) -> int:
        return sum(r["input_tokens"] for b in buckets[-2:] for r in b["results"])

    assert tokens(after) > tokens(before)


@pytest.mark.parametrize("kind,status", [("429", 429), ("500", 500), ("expired_key", 401)])
def test_error_faults_then_recovery(client: httpx.Client, kind: str, status: int) -> None:
    client.post("/_sim/faults", json={"provider": "openai", "faults": [kind]})
    faulted = client.get(USAGE, params={"start_time": OCT1}, headers=OPENAI_AUTH)
    assert faulted.status_code == status and "error" in faulted.json()
    if kind == "429":
        assert faulted.headers["Retry-After"] == "1"
    assert client.get(USAGE, params={"start_time": OCT1}, headers=OPENAI_AUTH).status_code == 200


def test_anthropic_fault_shapes(client: httpx.Client) -> None:
    client.post("/_sim/faults", json={"provider": "anthropic", "faults": ["ok", "429", "expired_key"]})
    params = {"starting_at": "2025-10-01T00:00:00Z"}
    path = "/anthropic/v1/organizations/usage_report/messages"
    statuses = [client.get(path, params=params, headers=ANTHROPIC_AUTH) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 401, 200]
    assert statuses[1].json()["error"]["type"] == "rate_limit_error"


def test_truncated_and_slow_faults(client: httpx.Client) -> None:
    client.post("/_sim/faults", json={"provider": "openai", "faults": ["truncated", {"kind": "slow", "ms": 250}]})
    truncated = client.get(USAGE, params={"start_time": OCT1}, headers=OPENAI_AUTH)
    assert truncated.status_code == 200
    with pytest.raises(ValueError):
        truncated.json()
    started = time.monotonic()
    assert client.get(USAGE, params={"start_time": OCT1}, headers=OPENAI_AUTH).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_fault_plan_in_config(client_for: Callable[..., httpx.Client]) -> None:
    client = client_for(faults=FaultPlan({"gcp": (Fault("500"),)}))
    path = "/gcp/monitoring/v3/projects/acme-genai-prod/timeSeries"
    response = client.get(
        path,
        params={
            "filter": 'metric.type = "x"',
            "interval.startTime": "2025-10-01T00:00:00Z",
            "interval.endTime": "2025-10-01T01:00:00Z",
        },
    )
    assert response.status_code == 500 and response.json()["error"]["status"] == "INTERNAL"
    assert client.get("/_sim/faults").json() == {"pending": {}}
    assert client.post("/_sim/faults", json={"provider": "nope", "faults": ["429"]}).status_code == 400


def test_request_log_redacts_credentials(client: httpx.Client) -> None:
    client.get(USAGE, params={"start_time": OCT1}, headers=OPENAI_AUTH)
    client.get(
        "/anthropic/v1/organizations/cost_report",
        params={"starting_at": "2025-10-01T00:00:00Z"},
        headers={**ANTHROPIC_AUTH, "x-api-key": "wrong"},
    )
    log = client.get("/_sim/requests").json()["requests"]
    assert [(e["provider"], e["status"]) for e in log] == [("openai", 200), ("anthropic", 401)]
    assert log[0]["credentials"] == {"authorization": "[REDACTED]"}
    assert "sk-admin-sim-openai" not in str(log) and "wrong" not in str(log)


def test_streaming_generation_scales() -> None:
    big = Dataset(SimConfig(scale=20))
    rows = big.iter_rows("openai", datetime(2025, 10, 1, tzinfo=UTC), datetime(2025, 10, 1, 6, tzinfo=UTC))
    first = next(rows)
    assert first.provider == "openai"
    assert len(big.combos("openai")) > 10 * len(Dataset(SimConfig()).combos("openai"))
