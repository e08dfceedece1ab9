"""The usage event wire format: three spellings, one event; the token invariant; the bounds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from genai_costs.model.usage_event import (
    MAX_BATCH_BYTES,
    MAX_EVENTS_PER_BATCH,
    BatchRejected,
    BatchResponse,
    UsageEvent,
    normalize_event,
    parse_batch,
)

RECEIVED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
OCCURRED = datetime(2026, 3, 2, 11, 59, 30, tzinfo=UTC)

# One gpt-4o call: 1,000 prompt tokens of which 400 cache reads, 100 cache writes and 50 audio;
# 300 completion tokens of which 120 reasoning and 30 audio.
CANONICAL = {
    "source": "tutor-api",
    "occurred_at": "2026-03-02T11:59:30Z",
    "provider": "openai",
    "model": "gpt-4o-2024-08-06",
    "response_id": "chatcmpl-abc123",
    "input_uncached_tokens": 450,
    "input_cached_tokens": 400,
    "cache_write_5m_tokens": 100,
    "input_audio_tokens": 50,
    "output_tokens": 270,
    "output_audio_tokens": 30,
    "reasoning_tokens": 120,
    "reported_input_tokens": 1000,
    "reported_output_tokens": 300,
    "tenant_id": "school-12",
    "user_id": "learner-7",
    "service": "tutor",
    "workflow_id": "lesson-3",
}
USER = {  # the user's own names (seed documents): OpenAI semantics, prompt includes cached
    "source": "tutor-api",
    "created_at": "2026-03-02T11:59:30+00:00",
    "provider": "OpenAI",
    "model_used": "gpt-4o-2024-08-06",
    "openai_request_id": "chatcmpl-abc123",
    "prompt_tokens": 1000,
    "cached_tokens": 400,
    "cache_write_tokens": 100,
    "input_audio_tokens": 50,
    "completion_tokens": 300,
    "output_audio_tokens": 30,
    "reasoning_tokens": 120,
    "tenant_id": "school-12",
    "learner_id": "learner-7",
    "service": "tutor",
    "workflow_id": "lesson-3",
}
OTEL = {  # OpenTelemetry GenAI attributes, plus our attribution names where the standard has none
    "source": "tutor-api",
    "occurred_at": OCCURRED.timestamp(),
    "gen_ai.provider.name": "openai",
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.response.id": "chatcmpl-abc123",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.cache_read.input_tokens": 400,
    "gen_ai.usage.cache_creation.input_tokens": 100,
    "gen_ai.usage.audio.input_tokens": 50,
    "gen_ai.usage.output_tokens": 300,
    "gen_ai.usage.audio.output_tokens": 30,
    "gen_ai.usage.reasoning.output_tokens": 120,
    "gen_ai.input.messages": "[... a prompt that must never be stored ...]",
    "tenant_id": "school-12",
    "user.id": "learner-7",
    "service": "tutor",
    "workflow_id": "lesson-3",
}


def norm(raw, **kw):
    return normalize_event(raw, received_at=RECEIVED, **kw)


def accepted(raw, **kw) -> UsageEvent:
    outcome = norm(raw, **kw)
    assert outcome.status == "accepted", outcome.reason
    return outcome.event


def test_three_spellings_normalize_to_the_same_event():
    events = [accepted(raw) for raw in (CANONICAL, USER, OTEL)]
    assert events[0] == events[1] == events[2]
    e = events[0]
    assert (
        e.input_uncached_tokens,
        e.input_cached_tokens,
        e.cache_write_5m_tokens,
        e.cache_write_1h_tokens,
        e.input_audio_tokens,
        e.output_tokens,
        e.output_audio_tokens,
    ) == (450, 400, 100, 0, 50, 270, 30)
    assert e.event_id == "chatcmpl-abc123" and e.dedup_key == ("tutor-api", "chatcmpl-abc123")
    assert e.occurred_at == OCCURRED and e.usage_date.isoformat() == "2026-03-02"
    assert (e.tenant_id, e.user_id, e.service, e.workflow_id) == ("school-12", "learner-7", "tutor", "lesson-3")


def test_prompt_content_in_otel_attributes_is_never_kept():
    event = accepted(OTEL)
    assert "prompt" not in event.model_dump_json()


def test_otel_cache_creation_splits_with_our_1h_extension():
    # The standard has one cache-creation count; a producer may add our 1-hour bucket as a part of it.
    event = accepted({**OTEL, "cache_write_1h_tokens": 60})
    assert (event.cache_write_5m_tokens, event.cache_write_1h_tokens, event.input_uncached_tokens) == (40, 60, 450)


def test_input_tokens_alone_mean_all_input_with_openai_semantics():
    raw = {"source": "s", "occurred_at": "2026-03-02T11:00:00Z", "provider": "groq", "model": "llama3-70b"}
    event = accepted({**raw, "response_id": "r1", "input_tokens": 1200, "output_tokens": 80})
    assert (event.input_uncached_tokens, event.output_tokens) == (1200, 80)
    assert (event.reported_input_tokens, event.reported_output_tokens) == (1200, 80)


@pytest.mark.parametrize(
    ("key", "value", "provider"),
    [
        ("gen_ai.provider.name", "gcp.gemini", "gemini"),
        ("gen_ai.provider.name", "gcp.vertex_ai", "vertex_ai"),
        ("gen_ai.provider.name", "azure.ai.openai", "azure_openai"),
        ("gen_ai.provider.name", "aws.bedrock", "aws_bedrock"),
        ("gen_ai.provider.name", "anthropic", "anthropic"),
        ("gen_ai.provider.name", "groq", "groq"),
        ("gen_ai.system", "az.ai.openai", "azure_openai"),  # deprecated attribute and value
        ("gen_ai.system", "vertex_ai", "vertex_ai"),
        ("provider", "Bedrock", "aws_bedrock"),
    ],
)
def test_provider_names_map_to_our_ids(key, value, provider):
    raw = {k: v for k, v in OTEL.items() if k != "gen_ai.provider.name"}
    assert accepted({**raw, key: value}).provider == provider


def test_generic_gcp_provider_is_rejected_because_it_bills_two_ways():
    outcome = norm({**OTEL, "gen_ai.provider.name": "gcp.gen_ai"})
    assert outcome.status == "rejected" and "gcp.gemini or gcp.vertex_ai" in outcome.reason


def test_deprecated_otel_token_names_still_accepted():
    raw = {k: v for k, v in OTEL.items() if not k.startswith("gen_ai.usage.")}
    raw |= {"gen_ai.system": "openai", "gen_ai.usage.prompt_tokens": 700, "gen_ai.usage.completion_tokens": 50}
    event = accepted(raw)
    assert (event.input_uncached_tokens, event.output_tokens, event.reported_input_tokens) == (700, 50, 700)


def test_response_model_and_tier_win_over_requested_ones():
    event = accepted({**OTEL, "openai.request.service_tier": "auto", "openai.response.service_tier": "Priority"})
    assert event.model == "gpt-4o-2024-08-06" and event.service_tier == "priority"
    without_response_model = {k: v for k, v in OTEL.items() if k != "gen_ai.response.model"}
    assert accepted(without_response_model).model == "gpt-4o"


def test_event_id_defaults_to_response_id_then_request_id():
    bedrock = {
        "source": "s",
        "occurred_at": "2026-03-02T11:00:00Z",
        "provider": "aws_bedrock",
        "model": "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "request_id": "9f1c-aws",
        "input_uncached_tokens": 10,
        "output_tokens": 2,
    }
    assert accepted(bedrock).event_id == "9f1c-aws"
    assert accepted({**bedrock, "event_id": "mine-1"}).event_id == "mine-1"


def test_openai_request_id_is_routed_by_its_shape():
    assert accepted(USER).response_id == "chatcmpl-abc123"
    header_id = accepted({**USER, "openai_request_id": "req_8f3a", "response_id": "chatcmpl-abc123"})
    assert (header_id.request_id, header_id.response_id) == ("req_8f3a", "chatcmpl-abc123")


def test_user_cost_fields_are_kept_exactly_and_informational():
    assert accepted({**USER, "cost_usd": Decimal("0.00122")}).client_cost_usd == Decimal("0.00122")
    assert accepted({**USER, "calculated_cost_cents": 120}).client_cost_usd == Decimal("1.2")
    assert accepted({**USER, "cost": {"total_cost_usd": "0.0425"}}).client_cost_usd == Decimal("0.0425")
    assert norm({**USER, "cost_usd": "0.5", "calculated_cost_cents": 49}).status == "rejected"


def test_attribution_ids_are_text_and_blank_means_unset():
    event = accepted({**USER, "tenant_id": 42, "workflow_id": "  ", "feature": " hints "})
    assert (event.tenant_id, event.workflow_id, event.feature) == ("42", None, "hints")


def test_status_from_otel_error_and_aliases():
    assert accepted({**OTEL, "error.type": "timeout"}).status == "failed"
    assert accepted({**USER, "status": "Canceled"}).status == "cancelled"


def test_a_failed_call_without_usage_is_fine_but_a_succeeded_one_is_quarantined():
    bare = {k: v for k, v in USER.items() if not k.endswith("_tokens")}
    assert accepted({**bare, "status": "failed"}).input_sum() == 0
    outcome = norm(bare)
    assert outcome.status == "quarantined" and "usage is missing" in outcome.reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"cached_tokens": 1200},
            "cache reads, cache writes and audio input (1350) exceed the reported input total (1000)",
        ),
        ({"output_audio_tokens": 400}, "audio output (400) exceeds the reported output total (300)"),
        ({"reasoning_tokens": 301}, "reasoning tokens (301) exceed output tokens (270)"),
        ({"total_tokens": 1299}, "token buckets sum to 1300 but the reported total is 1299"),
        ({"prompt_tokens": -5}, "negative token counts"),
    ],
)
def test_inconsistent_user_tokens_are_quarantined_with_the_reason(change, reason):
    outcome = norm({**USER, **change})
    assert outcome.status == "quarantined" and outcome.event is not None
    assert reason in outcome.reason


def test_canonical_buckets_that_miss_the_reported_totals_are_quarantined_not_fixed():
    outcome = norm({**CANONICAL, "input_cached_tokens": 300})
    assert outcome.status == "quarantined"
    assert outcome.reason == "input buckets sum to 900 but the reported input total is 1000"
    assert outcome.event.input_cached_tokens == 300  # kept as sent, for the quarantine row


def test_negative_derived_bucket_is_kept_as_derived():
    outcome = norm({**USER, "cached_tokens": 1200})
    assert outcome.event.input_uncached_tokens == -350


def test_unknown_otel_token_attribute_is_quarantined_not_silently_priced():
    outcome = norm({**OTEL, "gen_ai.usage.cache_read_tokens": 400})
    assert outcome.status == "quarantined" and "gen_ai.usage.cache_read_tokens" in outcome.reason


def test_cache_write_parts_must_match_the_total():
    outcome = norm({**OTEL, "cache_write_5m_tokens": 10, "cache_write_1h_tokens": 10})
    assert outcome.status == "quarantined" and "differ from the cache write total (100)" in outcome.reason


TAGS_21 = {f"k{i}": "v" for i in range(21)}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"provider": None}, "missing provider"),
        ({"model_used": None}, "missing model"),
        ({"created_at": None}, "missing occurred_at"),
        ({"created_at": "2026-03-02 11:59:30"}, "needs a time zone"),
        ({"created_at": "2026-03-02T12:16:00Z"}, "after the request arrived"),
        ({"created_at": "2026-01-01T00:00:00Z"}, "older than 31 days"),
        ({"created_at": 1772452770000}, "not a plausible unix time in seconds"),  # milliseconds
        ({"provider": "mistral_ai"}, "provider 'mistral_ai' is not supported"),
        ({"prompt_tokens": "many"}, "prompt_tokens must be an integer"),
        ({"prompt_tokens": True}, "prompt_tokens must be an integer, got True"),
        ({"prompt_tokens": 10.5}, "prompt_tokens must be an integer"),
        ({"prompt_tokens": 10**9}, "exceeds 100,000,000"),
        ({"tags": TAGS_21}, "21 tags; at most 20"),
        ({"tags": {"team name": "x"}}, "tag key 'team name' must match"),
        ({"tags": {"k" * 65: "x"}}, "at most 64 characters"),
        ({"tags": {"team": "x" * 257}}, "value has 257 characters; at most 256"),
        ({"tags": {"team": ["a"]}}, "must be a string, number or boolean"),
        ({"tags": "team=a"}, "tags must be an object"),
        ({"tenantid": "x"}, "unknown field(s): tenantid"),
        ({"user_id": "someone-else"}, "conflicting values: user_id='someone-else', learner_id='learner-7'"),
        ({"openai_request_id": None}, "no event_id, response_id or request_id"),
        ({"source": None}, "no source"),
        ({"status": "maybe"}, "status 'maybe' must be one of"),
        ({"tenant_id": "a\nb"}, "control characters"),
        ({"tenant_id": "t" * 257}, "tenant_id: String should have at most 256 characters"),
        ({"latency_ms": -1}, "latency_ms"),
    ],
)
def test_structurally_invalid_events_are_rejected_with_a_reason(change, reason):
    raw = {k: v for k, v in {**USER, **change}.items() if v is not None}
    outcome = norm(raw)
    assert outcome.status == "rejected" and outcome.event is None
    assert reason in outcome.reason


def test_every_structural_problem_is_reported_at_once():
    outcome = norm({"provider": "openai", "tags": {"bad key": "x"}}, default_source="app")
    assert outcome.status == "rejected"
    for fragment in ("missing occurred_at", "missing model", "no event_id", "tag key 'bad key'"):
        assert fragment in outcome.reason


def test_not_an_object_is_rejected():
    assert norm(["provider", "openai"]).reason == "an event must be a JSON object, got list"


def test_clock_skew_and_age_limits_are_parameters():
    assert accepted({**USER, "created_at": "2026-03-02T12:10:00Z"}).occurred_at.minute == 10
    old = {**USER, "created_at": "2025-01-01T00:00:00Z"}
    assert norm(old).status == "rejected"
    assert accepted(old, max_age=None).occurred_at.year == 2025


def test_default_source_names_the_producer_unless_the_event_does():
    no_source = {k: v for k, v in USER.items() if k != "source"}
    assert accepted(no_source, default_source="sa:tutor@proj").source == "sa:tutor@proj"
    assert accepted(USER, default_source="sa:tutor@proj").source == "tutor-api"


def test_tag_values_are_text():
    event = accepted({**USER, "tags": {"grade": 7, "pilot": True, "subject": "math"}})
    assert event.tags == {"grade": "7", "pilot": "true", "subject": "math"}


# --- batches ------------------------------------------------------------------------------------
def body(events) -> bytes:
    return json.dumps({"events": events}, default=str).encode()


def test_batch_answers_per_event_in_order_and_one_bad_event_spoils_nothing():
    events = [
        USER,
        {**USER, "openai_request_id": "chatcmpl-2", "cached_tokens": 5000},
        {**USER, "openai_request_id": "chatcmpl-3", "provider": "x"},
    ]
    outcomes = parse_batch(body(events), received_at=RECEIVED)
    response = BatchResponse.from_outcomes(outcomes)
    assert [r.status for r in response.results] == ["accepted", "quarantined", "rejected"]
    assert [r.index for r in response.results] == [0, 1, 2]
    assert [r.event_id for r in response.results] == ["chatcmpl-abc123", "chatcmpl-2", "chatcmpl-3"]
    assert (response.accepted, response.quarantined, response.rejected) == (1, 1, 1)
    assert response.http_status == 207
    assert json.loads(response.model_dump_json())["results"][2]["reason"].startswith("provider 'x'")


def test_batch_of_accepted_events_answers_200():
    outcomes = parse_batch(body([USER, OTEL]), received_at=RECEIVED)
    assert BatchResponse.from_outcomes(outcomes).http_status == 200


def test_batch_json_numbers_are_exact_decimals():
    raw = b'{"events": [' + json.dumps(USER).encode()[:-1] + b', "cost_usd": 0.1000000001}]}'
    (outcome,) = parse_batch(raw, received_at=RECEIVED)
    assert outcome.event.client_cost_usd == Decimal("0.100000000")


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b'{"events": [{"prompt_tokens": NaN}]}', 400, "NaN is not a number"),
        (b'{"event": []}', 400, '{"events": [...]}'),
        (b'{"events": []}', 400, "events is empty"),
        (b"[]", 400, '{"events": [...]}'),
    ],
)
def test_malformed_batch_is_a_400(payload, status, message):
    with pytest.raises(BatchRejected) as caught:
        parse_batch(payload, received_at=RECEIVED)
    assert caught.value.http_status == status and message in str(caught.value)


def test_more_than_1000_events_is_a_413():
    with pytest.raises(BatchRejected) as caught:
        parse_batch({"events": [USER] * (MAX_EVENTS_PER_BATCH + 1)}, received_at=RECEIVED)
    assert caught.value.http_status == 413
    assert len(parse_batch({"events": [USER] * MAX_EVENTS_PER_BATCH}, received_at=RECEIVED)) == 1000


def test_more_than_5_mb_is_a_413():
    padded = b'{"events": [{}], "pad": "' + b"x" * MAX_BATCH_BYTES + b'"}'
    with pytest.raises(BatchRejected) as caught:
        parse_batch(padded, received_at=RECEIVED)
    assert caught.value.http_status == 413 and f"at most {MAX_BATCH_BYTES}" in str(caught.value)


def test_received_at_must_be_aware():
    with pytest.raises(ValueError):
        normalize_event(USER, received_at=datetime(2026, 3, 2))


def test_events_are_frozen():
    event = accepted(USER)
    with pytest.raises(ValueError):
        event.output_tokens = 1  # type: ignore[misc]
    assert timedelta(0) <= RECEIVED - event.occurred_at
