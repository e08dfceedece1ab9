"""Each SDK's usage lands in the right disjoint bucket, and the server accepts what the client sends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from genai_costs.model.usage_event import normalize_event
from genai_costs_client import MemorySink, UnsupportedResponse, UsageClient, event_from_response

from . import sdk_responses as sdk

CASES = {
    "openai_chat_reasoning": ({}, {"provider": "openai", "model": "o4-mini-2025-04-16", "reasoning_tokens": 640}),
    "openai_chat_audio": ({}, {"provider": "openai", "response_id": "chatcmpl-audio1"}),
    "openai_chat_cache_write": ({"provider": "azure_openai"}, {"provider": "azure_openai"}),
    "openai_stream_chunk": ({"provider": "groq"}, {"provider": "groq", "response_id": "chatcmpl-stream1"}),
    "openai_responses": ({}, {"service_tier": "flex", "web_search_requests": 2, "reasoning_tokens": 1024}),
    "openai_responses_search_items": ({}, {"web_search_requests": 2, "status": "failed"}),
    "openai_embeddings": ({}, {"model": "text-embedding-3-small"}),
    "anthropic_message": (
        {},
        {"provider": "anthropic", "region": "us", "context_window": "0-200k", "web_search_requests": 3},
    ),
    "gemini_response": ({"provider": "vertex_ai"}, {"provider": "vertex_ai", "service_tier": "priority"}),
    "gemini_tts_response": ({}, {"provider": "gemini", "reasoning_tokens": None}),
    "bedrock_converse": (
        {"model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
        {"provider": "aws_bedrock", "service_tier": "priority", "latency_ms": 1234},
    ),
    "bedrock_invoke_model": (
        {"model": "anthropic.claude-3-5-haiku-20241022-v1:0"},
        {"request_id": "c0ffee00-0000-4000-8000-000000000001", "latency_ms": 812},
    ),
}


def mapped(name: str) -> dict:
    options, _ = CASES[name]
    return event_from_response(getattr(sdk, name)(), **options)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sdk_usage_maps_to_the_hand_computed_buckets(name):
    event = mapped(name)
    assert tuple(event.get(bucket, 0) for bucket in sdk.BUCKETS) == sdk.EXPECTED[name]
    for key, value in CASES[name][1].items():
        assert event.get(key) == value, key


@pytest.mark.parametrize("name", sorted(CASES))
def test_what_the_client_sends_the_server_accepts_unchanged(name):
    """The round trip: SDK object -> client event (through the queue) -> server normalization."""
    sink = MemorySink()
    options, _ = CASES[name]
    with UsageClient(sink, source="tutor-api", flush_interval=0.01) as client:
        assert client.record(getattr(sdk, name)(), **options) is not None
    (sent,) = sink.events
    occurred = datetime.fromisoformat(sent["occurred_at"])
    outcome = normalize_event(sent, received_at=occurred + timedelta(seconds=5))
    assert outcome.status == "accepted", outcome.reason
    assert tuple(getattr(outcome.event, b) for b in sdk.BUCKETS) == sdk.EXPECTED[name]


def test_openai_ids_and_time_come_from_the_response():
    event = mapped("openai_chat_reasoning")
    assert (event["response_id"], event["request_id"]) == ("chatcmpl-reason1", "req_5f2c9a")
    assert event["occurred_at"] == "2025-11-30T10:53:20+00:00"
    assert (event["reported_input_tokens"], event["reported_output_tokens"], event["reported_total_tokens"]) == (
        2000,
        900,
        2900,
    )


def test_anthropic_cache_writes_split_by_ttl_and_totals_include_the_cache():
    event = mapped("anthropic_message")
    assert event["reported_input_tokens"] == 103_050  # 50 + 100,000 + 3,000
    assert event["reasoning_tokens"] == 400
    assert (event["request_id"], event["project_id"]) == (
        "req_011CSHoEeqs5C35K2UUqR7Fy",
        "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
    )
    assert event["service_tier"] == "standard" and "is_batch" not in event


def test_anthropic_write_scalar_without_breakdown_is_a_5_minute_write():
    event = event_from_response(sdk.anthropic_message(cache_creation=None, cache_creation_input_tokens=500))
    assert (event["cache_write_5m_tokens"], event["cache_write_1h_tokens"], event["reported_input_tokens"]) == (
        500,
        0,
        100_550,
    )


def test_anthropic_breakdown_that_disagrees_with_the_scalar_is_quarantined_by_the_server():
    event = event_from_response(sdk.anthropic_message(cache_creation_input_tokens=3500))
    event |= {"source": "s", "occurred_at": "2026-12-01T00:00:00+00:00"}
    outcome = normalize_event(event, received_at=datetime.fromisoformat("2026-12-01T00:01:00+00:00"))
    assert outcome.status == "quarantined"
    assert "input buckets sum to 103050 but the reported input total is 103550" in outcome.reason


def test_anthropic_batch_fast_and_long_context():
    assert event_from_response(sdk.anthropic_message(service_tier="batch"))["is_batch"] is True
    assert event_from_response(sdk.anthropic_message(speed="fast"))["service_tier"] == "fast"
    long = event_from_response(sdk.anthropic_message(input_tokens=150_000, cache_read_input_tokens=60_000))
    assert long["context_window"] == "200k-1M"  # 150,000 + 60,000 + 3,000 input tokens > 200k


def test_gemini_thinking_is_output_and_tool_prompt_is_input():
    event = mapped("gemini_response")
    assert event["reasoning_tokens"] == 600
    assert (event["reported_input_tokens"], event["reported_output_tokens"], event["reported_total_tokens"]) == (
        10_050,
        1_000,
        11_050,
    )
    assert event["model"] == "gemini-2.5-pro" and event["response_id"] == "mEsbaPz8GZSvgLUP1Z7zoQ4"


def test_bedrock_needs_the_model_id_it_was_called_with():
    assert "model" not in event_from_response(sdk.bedrock_converse())
    assert mapped("bedrock_converse")["request_id"] == "8d9c1b1e-1f0a-4d4e-9a57-2f1d3c4b5a69"


@pytest.mark.parametrize("name", ["openai_chat_audio", "openai_responses", "anthropic_message", "gemini_response"])
def test_sdk_dict_dumps_map_like_the_objects(name):
    options, _ = CASES[name]
    response = getattr(sdk, name)()
    from_object = event_from_response(response, **options)
    from_dict = event_from_response(response.model_dump(mode="json"), **options)
    ids = {"request_id", "project_id"}  # private SDK attributes are not part of a dump
    assert {k: v for k, v in from_dict.items() if k not in ids} == {
        k: v for k, v in from_object.items() if k not in ids
    }


def test_unknown_objects_are_refused_by_the_mapper():
    with pytest.raises(UnsupportedResponse):
        event_from_response(object())
    with pytest.raises(UnsupportedResponse):
        event_from_response({"choices": []})
