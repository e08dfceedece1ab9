"""Application traffic (provider_sim.traffic): per-call events whose tokens are exactly what the usage
APIs report for the instrumented keys, minute by minute, with the imperfections the plan asks for."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import replace

import pytest

from genai_costs.model.usage_event import parse_batch
from provider_sim.config import SimConfig, TrafficPlan
from provider_sim.dataset import Dataset
from provider_sim.dataset_types import Usage
from provider_sim.traffic import Traffic, platform_model

from .conftest import make_client, make_config

PLAN = TrafficPlan(days=2, daily_calls=(("openai", 400), ("anthropic", 300), ("azure", 900)))
TOKEN_FIELDS = (
    "uncached_input",
    "cached_input",
    "cache_write_5m",
    "cache_write_1h",
    "output",
    "audio_input",
    "audio_output",
)


@pytest.fixture(scope="module")
def traffic() -> Traffic:
    return Traffic(Dataset(make_config(traffic=PLAN)))


def _tokens(usage: Usage) -> tuple[int, ...]:
    return tuple(getattr(usage, f) for f in TOKEN_FIELDS)


def test_calls_add_up_to_the_usage_of_their_keys_minute_by_minute(traffic: Traffic) -> None:
    events: dict[tuple[object, ...], Usage] = defaultdict(Usage)
    for call in traffic.all_calls:
        if call.dims is not None:  # Groq has no usage API
            key = (call.provider, call.occurred_at.replace(second=0, microsecond=0), call.dims)
            events[key] += replace(call.usage, requests=0, reasoning=0)
    reported: dict[tuple[object, ...], Usage] = defaultdict(Usage)
    for sim, provider in (("openai", "openai"), ("anthropic", "anthropic"), ("azure", "azure_openai")):
        scope = traffic.scopes[sim]
        assert scope, f"nothing of {sim} is instrumented"
        for hour in (traffic.start + dt.timedelta(hours=h) for h in range(48)):
            keep = lambda d, s=scope: (d.project, d.api_key) in s and platform_model(d.model)  # noqa: E731
            for row in traffic.dataset.minute_rows(sim, hour, keep):
                reported[(provider, row.start, row.dims)] += replace(row.usage, requests=0, reasoning=0)
    assert {k: _tokens(v) for k, v in events.items()} == {
        k: _tokens(v) for k, v in reported.items() if _tokens(v) != (0,) * 7
    }


def test_the_platform_calls_only_generally_available_models() -> None:
    """Preview models (which a price catalog may not know yet) are other teams' usage: no events. The
    `genai-costs run --days 3` configuration, where the smallest (project, key) pairs serve previews."""
    demo = Traffic(Dataset(SimConfig(seed=42, org="demo", start=dt.date(2026, 11, 29), end=dt.date(2026, 12, 2))))
    models = {call.model for call in demo.all_calls}
    assert models and not {m for m in models if "preview" in m}
    assert {call.provider for call in demo.all_calls} == {"openai", "anthropic", "azure_openai", "aws_bedrock", "groq"}


def test_openai_events_match_the_usage_api_per_minute_key_and_model(traffic: Traffic) -> None:
    hour = traffic.start + dt.timedelta(hours=13)
    ((project, key),) = sorted(traffic.scopes["openai"], key=str)[:1]
    with make_client(make_config(traffic=PLAN)) as client:
        page = client.get(
            "/openai/v1/organization/usage/completions",
            params={
                "start_time": int(hour.timestamp()),
                "end_time": int((hour + dt.timedelta(hours=1)).timestamp()),
                "bucket_width": "1m",
                "limit": 60,
                "group_by": ["project_id", "api_key_id", "model"],
                "project_ids": project,
                "api_key_ids": key,
            },
            headers={"Authorization": "Bearer sk-admin-sim-openai"},
        ).json()
    api = {
        (b["start_time"], r["model"]): (r["input_tokens"], r["input_cached_tokens"], r["output_tokens"])
        for b in page["data"]
        for r in b["results"]
    }
    calls: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in traffic.all_calls:
        if (
            c.provider == "openai"
            and hour <= c.occurred_at < hour + dt.timedelta(hours=1)
            and (
                c.dims is not None
                and (c.dims.project, c.dims.api_key) == (project, key)
                and not c.dims.model.startswith("text-embedding")
            )
        ):
            minute = int(c.occurred_at.replace(second=0, microsecond=0).timestamp())
            total = calls[(minute, c.model)]
            total[0] += c.usage.input_total
            total[1] += c.usage.cached_input
            total[2] += c.usage.output_total
    assert api and {k: tuple(v) for k, v in calls.items()} == api


def test_the_imperfections_are_there_at_about_the_planned_rates(traffic: Traffic) -> None:
    calls = traffic.all_calls
    summary = traffic.summary()
    assert summary.calls == len(calls) > 2000
    assert 0.015 < summary.never_recorded / summary.calls < 0.05
    assert summary.late > 0 and summary.requeued > 0 and summary.miscounted > 0
    assert summary.resent_deliveries > 0
    assert set(summary.calls_by_provider) == {"openai", "anthropic", "azure_openai", "groq"}
    deliveries = traffic.deliveries()
    sends = Counter(
        e.get("event_id") or e.get("response_id") or e.get("openai_request_id") or e["gen_ai.response.id"]
        for d in deliveries
        for e in d.events
    )
    recorded = {c.event_id for c in calls if c.recorded}
    assert set(sends) == recorded  # every recorded call is sent, never a dropped one
    requeued = {c.event_id for c in calls if c.requeued and c.recorded}
    assert all(sends[i] >= 2 for i in requeued)
    late = [c for c in calls if c.recorded and c.late_by is not None and not c.requeued]
    first_sent = {}
    for d in deliveries:
        for e in d.events:
            first_sent.setdefault(
                e.get("event_id") or e.get("response_id") or e.get("openai_request_id") or e["gen_ai.response.id"],
                d.sent_at,
            )
    assert all(
        first_sent[c.event_id] - c.occurred_at >= dt.timedelta(hours=2) or first_sent[c.event_id] == traffic.end
        for c in late
    )
    assert {d.source for d in deliveries} >= {"tutor-api", "grader", "content-pipeline"}


def test_every_event_is_valid_and_only_the_miscounted_are_quarantined(traffic: Traffic) -> None:
    miscounted = {c.event_id for c in traffic.all_calls if c.miscounted}
    now = traffic.end + dt.timedelta(minutes=5)
    outcomes = Counter()
    for delivery in traffic.deliveries():
        assert len(delivery.events) <= 1000
        for outcome in parse_batch(delivery.body(), received_at=now):
            outcomes[outcome.status] += 1
            assert (outcome.status == "quarantined") == (outcome.event_id in miscounted), outcome.reason
    assert outcomes["rejected"] == 0 and outcomes["quarantined"] > 0


def test_the_same_plan_gives_the_same_traffic() -> None:
    first = Traffic(Dataset(make_config(traffic=PLAN))).deliveries()
    again = Traffic(Dataset(make_config(traffic=PLAN))).deliveries()
    assert [(d.sent_at, d.source, d.events) for d in first] == [(d.sent_at, d.source, d.events) for d in again]


def test_the_endpoint_serves_every_delivery_in_send_order(traffic: Traffic) -> None:
    with make_client(make_config(traffic=PLAN)) as client:
        served, token = [], None
        while True:
            params = {"page_size": 100} | ({"page_token": token} if token else {})
            page = client.get("/_sim/traffic", params=params).json()
            served += page["deliveries"]
            token = page["next_page_token"]
            if not token:
                break
        summary = client.get("/_sim/traffic/summary").json()
        assert client.get("/_sim/traffic", params={"page_size": 0}).status_code == 400
    expected = traffic.deliveries()
    assert [d["body"]["events"] for d in served] == [list(d.events) for d in expected]
    assert summary["deliveries"] == len(expected) and summary["calls"] == len(traffic.all_calls)
