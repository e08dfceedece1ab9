"""Provider SDK responses -> usage events in the canonical wire spelling (disjoint token buckets).

No SDK is imported: responses are read by attribute or by key, so SDK objects and their
``model_dump()`` dicts both work and the SDKs stay optional. Each mapper also sends the provider's
own inclusive totals (``reported_*_tokens``) so that the server checks the split against them and
quarantines an event whose buckets do not add up, instead of pricing it.

    OpenAI Chat      prompt_tokens includes cache reads, cache writes and audio:
                     uncached = prompt - cached - cache_write - audio
                     completion_tokens includes reasoning and audio: output = completion - audio
    OpenAI Responses input_tokens includes cache reads and writes (30m TTL -> 5m, 12h -> 1h bucket)
    Anthropic        input_tokens EXCLUDES cache reads and writes: uncached = input_tokens;
                     writes by cache_creation.ephemeral_5m / 1h (scalar only: 5m, the default TTL)
    Gemini           prompt_token_count includes cached content and audio; tool-use prompt tokens
                     are extra input; thoughts_token_count is billed as output:
                     output = candidates + thoughts - audio out
    Bedrock          inputTokens EXCLUDES cacheRead / cacheWrite (cacheDetails split 5m / 1h)

Assumptions marked [?] in docs/usage-events.md: OpenAI's prompt ``audio_tokens`` is treated as
uncached audio; a Gemini image-output modality stays in ``output_tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

ANTHROPIC_LONG_CONTEXT_ABOVE = 200_000  # Anthropic bills input above 200k tokens at its long-context rate

_GEMINI_TRAFFIC_TIERS = {
    "ON_DEMAND": "on_demand",
    "ON_DEMAND_PRIORITY": "priority",
    "ON_DEMAND_FLEX": "flex",
    "ON_DEMAND_OFFPEAK": "offpeak",
    "PROVISIONED_THROUGHPUT": "provisioned",
}


class UnsupportedResponse(ValueError):
    """The object is none of the SDK responses this module knows, nor a usage dict."""


def get(obj: Any, name: str, default: Any = None) -> Any:
    """Attribute or key access, so SDK objects and their dict dumps read alike."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        value = obj.get(name, default)
    else:
        value = getattr(obj, name, default)
    return default if value is None else value


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def _iso(value: Any) -> str | None:
    """Unix seconds, a datetime or an ISO string -> ISO 8601 UTC string."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value  # the server explains what it cannot read
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC).isoformat()
    return None


def _enum_value(value: Any) -> str | None:
    if value is None:
        return None
    return str(get(value, "value", value))


def _drop_none(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if v is not None}


# --- OpenAI (also Azure OpenAI and Groq through the OpenAI SDK) -------------------------------------
def from_openai_chat(response: Any, provider: str = "openai") -> dict[str, Any]:
    """Chat Completions ``ChatCompletion`` (or the last stream chunk carrying ``usage``)."""
    usage = get(response, "usage")
    if usage is None:
        raise UnsupportedResponse("the chat completion has no usage (stream without include_usage?)")
    prompt, completion = _int(get(usage, "prompt_tokens")), _int(get(usage, "completion_tokens"))
    prompt_details, completion_details = get(usage, "prompt_tokens_details"), get(usage, "completion_tokens_details")
    cached = _int(get(prompt_details, "cached_tokens"))
    cache_write = _int(get(prompt_details, "cache_write_tokens"))
    audio_in = _int(get(prompt_details, "audio_tokens"))
    audio_out = _int(get(completion_details, "audio_tokens"))
    return _drop_none(
        {
            "provider": provider,
            "model": get(response, "model"),
            "response_id": get(response, "id"),
            "request_id": get(response, "_request_id"),
            "occurred_at": _iso(get(response, "created")),
            "service_tier": get(response, "service_tier"),
            "input_uncached_tokens": prompt - cached - cache_write - audio_in,
            "input_cached_tokens": cached,
            "cache_write_5m_tokens": cache_write,
            "input_audio_tokens": audio_in,
            "output_tokens": completion - audio_out,
            "output_audio_tokens": audio_out,
            "reasoning_tokens": get(completion_details, "reasoning_tokens"),
            "reported_input_tokens": prompt,
            "reported_output_tokens": completion,
            "reported_total_tokens": get(usage, "total_tokens"),
        }
    )


_RESPONSES_STATUS = {"failed": "failed", "cancelled": "cancelled"}


def from_openai_responses(response: Any, provider: str = "openai") -> dict[str, Any]:
    """Responses API ``Response``."""
    usage = get(response, "usage")
    if usage is None:
        raise UnsupportedResponse("the response has no usage (still in progress?)")
    input_total, output_total = _int(get(usage, "input_tokens")), _int(get(usage, "output_tokens"))
    details = get(usage, "input_tokens_details")
    cached = _int(get(details, "cached_tokens"))
    write_total = _int(get(details, "cache_write_tokens"))
    ttl = get(details, "cache_write_tokens_details")
    if ttl is not None:  # the TTL split is authoritative; if it disagrees with the total the server says so
        write_short, write_long = _int(get(ttl, "ttl_30m_tokens")), _int(get(ttl, "ttl_12h_tokens"))
    else:
        write_short, write_long = write_total, 0
    web_search = get(get(get(response, "tool_usage"), "web_search"), "num_requests")
    if web_search is None:  # older payloads: count the search calls in the output
        output_items = get(response, "output", [])
        web_search = sum(1 for item in output_items if get(item, "type") == "web_search_call") or None
    return _drop_none(
        {
            "provider": provider,
            "model": get(response, "model"),
            "response_id": get(response, "id"),
            "request_id": get(response, "_request_id"),
            "occurred_at": _iso(get(response, "created_at")),
            "service_tier": get(response, "service_tier"),
            "status": _RESPONSES_STATUS.get(str(get(response, "status", ""))),
            "input_uncached_tokens": input_total - cached - write_short - write_long,
            "input_cached_tokens": cached,
            "cache_write_5m_tokens": write_short,
            "cache_write_1h_tokens": write_long,
            "output_tokens": output_total,
            "reasoning_tokens": get(get(usage, "output_tokens_details"), "reasoning_tokens"),
            "web_search_requests": web_search,
            "reported_input_tokens": input_total,
            "reported_output_tokens": output_total,
            "reported_total_tokens": get(usage, "total_tokens"),
        }
    )


def from_openai_embeddings(response: Any, provider: str = "openai") -> dict[str, Any]:
    """``CreateEmbeddingResponse``: input only, no response id (the client makes an event id)."""
    usage = get(response, "usage")
    prompt = _int(get(usage, "prompt_tokens"))
    return _drop_none(
        {
            "provider": provider,
            "model": get(response, "model"),
            "request_id": get(response, "_request_id"),
            "input_uncached_tokens": prompt,
            "reported_input_tokens": prompt,
            "reported_total_tokens": get(usage, "total_tokens"),
        }
    )


# --- Anthropic ---------------------------------------------------------------------------------------
def from_anthropic(message: Any, provider: str = "anthropic") -> dict[str, Any]:
    """Messages API ``Message`` (also ``stream.get_final_message()`` and Message Batches results)."""
    usage = get(message, "usage")
    if usage is None:
        raise UnsupportedResponse("the message has no usage")
    uncached = _int(get(usage, "input_tokens"))  # excludes cache reads and writes
    cache_read = _int(get(usage, "cache_read_input_tokens"))
    creation = get(usage, "cache_creation")
    creation_scalar = get(usage, "cache_creation_input_tokens")
    if creation is not None:
        write_5m = _int(get(creation, "ephemeral_5m_input_tokens"))
        write_1h = _int(get(creation, "ephemeral_1h_input_tokens"))
    else:
        write_5m, write_1h = _int(creation_scalar), 0  # 5 minutes is the default TTL
    writes = _int(creation_scalar) if creation_scalar is not None else write_5m + write_1h
    input_total = uncached + cache_read + writes
    output = _int(get(usage, "output_tokens"))  # includes thinking
    tier = get(usage, "service_tier")
    if get(usage, "speed") == "fast" and tier in (None, "standard"):
        tier = "fast"  # fast mode is priced apart from the standard tier
    return _drop_none(
        {
            "provider": provider,
            "model": get(message, "model"),
            "response_id": get(message, "id"),
            "request_id": get(message, "_request_id"),
            "project_id": get(message, "_workspace_id"),  # the anthropic-workspace-id header
            "service_tier": tier,
            "is_batch": True if tier == "batch" else None,
            "region": get(usage, "inference_geo"),
            "context_window": "200k-1M" if input_total > ANTHROPIC_LONG_CONTEXT_ABOVE else "0-200k",
            "input_uncached_tokens": uncached,
            "input_cached_tokens": cache_read,
            "cache_write_5m_tokens": write_5m,
            "cache_write_1h_tokens": write_1h,
            "output_tokens": output,
            "reasoning_tokens": get(get(usage, "output_tokens_details"), "thinking_tokens"),
            "web_search_requests": get(get(usage, "server_tool_use"), "web_search_requests"),
            "reported_input_tokens": input_total,
            "reported_output_tokens": output,
        }
    )


# --- Gemini (google-genai; Gemini API or Vertex AI) ---------------------------------------------------
def _modality_tokens(details: Any, modality: str) -> int:
    return sum(
        _int(get(d, "token_count"))
        for d in details or ()
        if (_enum_value(get(d, "modality")) or "").upper() == modality
    )


def from_gemini(response: Any, provider: str = "gemini") -> dict[str, Any]:
    """google-genai ``GenerateContentResponse``; ``provider="vertex_ai"`` for a Vertex AI client."""
    usage = get(response, "usage_metadata")
    if usage is None:
        raise UnsupportedResponse("the response has no usage_metadata")
    prompt = _int(get(usage, "prompt_token_count"))  # includes cached content
    cached = _int(get(usage, "cached_content_token_count"))
    tool_prompt = _int(get(usage, "tool_use_prompt_token_count"))  # extra input, not in prompt
    candidates = _int(get(usage, "candidates_token_count"))
    thoughts = _int(get(usage, "thoughts_token_count"))  # billed as output, not in candidates
    audio_in = (
        _modality_tokens(get(usage, "prompt_tokens_details"), "AUDIO")
        - _modality_tokens(get(usage, "cache_tokens_details"), "AUDIO")
        + _modality_tokens(get(usage, "tool_use_prompt_tokens_details"), "AUDIO")
    )
    audio_out = _modality_tokens(get(usage, "candidates_tokens_details"), "AUDIO")
    traffic = _enum_value(get(usage, "traffic_type"))
    return _drop_none(
        {
            "provider": provider,
            "model": get(response, "model_version"),
            "response_id": get(response, "response_id"),
            "occurred_at": _iso(get(response, "create_time")),
            "service_tier": _GEMINI_TRAFFIC_TIERS.get(traffic or ""),
            "input_uncached_tokens": prompt + tool_prompt - cached - audio_in,
            "input_cached_tokens": cached,
            "input_audio_tokens": audio_in,
            "output_tokens": candidates + thoughts - audio_out,
            "output_audio_tokens": audio_out,
            "reasoning_tokens": thoughts if get(usage, "thoughts_token_count") is not None else None,
            "reported_input_tokens": prompt + tool_prompt,
            "reported_output_tokens": candidates + thoughts,
            "reported_total_tokens": get(usage, "total_token_count"),
        }
    )


# --- AWS Bedrock (boto3 bedrock-runtime response dicts) ---------------------------------------------
_BEDROCK_HEADER = "x-amzn-bedrock-{}"


def _bedrock_writes(total: int, details: Any) -> tuple[int, int]:
    if not details:
        return total, 0
    by_ttl = {"5m": 0, "1h": 0}
    for item in details:
        ttl = str(get(item, "ttl", "5m"))
        by_ttl["1h" if ttl == "1h" else "5m"] += _int(get(item, "inputTokens"))
    return by_ttl["5m"], by_ttl["1h"]


def from_bedrock(
    response: Mapping[str, Any], model: str | None = None, provider: str = "aws_bedrock"
) -> dict[str, Any]:
    """``converse`` response dict, or ``invoke_model`` (token counts from its response headers).

    Neither carries the model id: pass the ``modelId`` you called (``model=``).
    """
    metadata = get(response, "ResponseMetadata", {})
    headers = {str(k).lower(): v for k, v in get(metadata, "HTTPHeaders", {}).items()}
    usage = get(response, "usage")
    if usage is not None:  # Converse
        uncached, output = _int(get(usage, "inputTokens")), _int(get(usage, "outputTokens"))
        cache_read, writes = _int(get(usage, "cacheReadInputTokens")), _int(get(usage, "cacheWriteInputTokens"))
        write_5m, write_1h = _bedrock_writes(writes, get(usage, "cacheDetails"))
        total = get(usage, "totalTokens")
        tier = get(get(response, "serviceTier"), "type")
        latency = get(get(response, "metrics"), "latencyMs")
    elif _BEDROCK_HEADER.format("input-token-count") in headers:  # InvokeModel
        uncached = _int(headers[_BEDROCK_HEADER.format("input-token-count")])
        output = _int(headers.get(_BEDROCK_HEADER.format("output-token-count")))
        cache_read = _int(headers.get(_BEDROCK_HEADER.format("cache-read-input-token-count")))
        writes = _int(headers.get(_BEDROCK_HEADER.format("cache-write-input-token-count")))
        write_5m, write_1h = writes, 0
        total, latency = None, headers.get(_BEDROCK_HEADER.format("invocation-latency"))
        tier = headers.get(_BEDROCK_HEADER.format("service-tier"))
    else:
        raise UnsupportedResponse("neither a Converse usage nor InvokeModel token headers")
    return _drop_none(
        {
            "provider": provider,
            "model": model,
            "request_id": get(metadata, "RequestId") or headers.get("x-amzn-requestid"),
            "service_tier": str(tier).lower() if tier else None,
            "latency_ms": _int(latency) if latency is not None else None,
            "input_uncached_tokens": uncached,
            "input_cached_tokens": cache_read,
            "cache_write_5m_tokens": write_5m,
            "cache_write_1h_tokens": write_1h,
            "output_tokens": output,
            "reported_input_tokens": uncached + cache_read + writes,
            "reported_output_tokens": output,
            "reported_total_tokens": total,
        }
    )


# --- dispatch ----------------------------------------------------------------------------------------
def event_from_response(response: Any, *, provider: str | None = None, model: str | None = None) -> dict[str, Any]:
    """Pick the mapper by the response's shape; ``provider`` overrides the SDK's default provider
    (``azure_openai`` / ``groq`` with the OpenAI SDK, ``vertex_ai`` with google-genai)."""
    kind = get(response, "object")
    if kind in ("chat.completion", "chat.completion.chunk"):
        event = from_openai_chat(response, provider or "openai")
    elif kind == "response":
        event = from_openai_responses(response, provider or "openai")
    elif kind == "list" and get(get(response, "usage"), "prompt_tokens") is not None:
        event = from_openai_embeddings(response, provider or "openai")
    elif get(response, "type") == "message" and get(response, "usage") is not None:
        event = from_anthropic(response, provider or "anthropic")
    elif get(response, "usage_metadata") is not None:
        event = from_gemini(response, provider or "gemini")
    elif isinstance(response, Mapping) and (
        get(get(response, "usage"), "inputTokens") is not None or get(response, "ResponseMetadata") is not None
    ):
        event = from_bedrock(response, model, provider or "aws_bedrock")
    else:
        raise UnsupportedResponse(f"not a known SDK response: {type(response).__name__}")
    if model is not None:
        event["model"] = model
    return event
