"""Real SDK response objects, built from the SDKs' own types (no network), with the usage numbers the
tests check by hand. Each builder documents its numbers; ``EXPECTED`` holds the hand-computed buckets."""

from __future__ import annotations

from typing import Any

import anthropic.types
from google.genai import types as genai_types
from openai.types import CreateEmbeddingResponse
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response

CREATED = 1764500000  # 2025-11-30T10:53:20Z


def _choice() -> dict[str, Any]:
    return {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}


def openai_chat_reasoning() -> ChatCompletion:
    """o4-mini: prompt 2,000 of which 1,536 cache reads; completion 900 of which 640 reasoning."""
    response = ChatCompletion.model_validate(
        {
            "id": "chatcmpl-reason1",
            "object": "chat.completion",
            "created": CREATED,
            "model": "o4-mini-2025-04-16",
            "service_tier": "default",
            "choices": [_choice()],
            "usage": {
                "prompt_tokens": 2000,
                "completion_tokens": 900,
                "total_tokens": 2900,
                "prompt_tokens_details": {"cached_tokens": 1536, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 640, "audio_tokens": 0},
            },
        }
    )
    response._request_id = "req_5f2c9a"  # what the SDK sets from the x-request-id header
    return response


def openai_chat_audio() -> ChatCompletion:
    """gpt-4o-audio-preview: prompt 1,000 = 300 cached + 200 audio + 500 text; completion 400 = 250 audio + 150."""
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-audio1",
            "object": "chat.completion",
            "created": CREATED,
            "model": "gpt-4o-audio-preview-2025-06-03",
            "choices": [_choice()],
            "usage": {
                "prompt_tokens": 1000,
                "completion_tokens": 400,
                "total_tokens": 1400,
                "prompt_tokens_details": {"cached_tokens": 300, "audio_tokens": 200},
                "completion_tokens_details": {"audio_tokens": 250, "reasoning_tokens": 0},
            },
        }
    )


def openai_chat_cache_write() -> ChatCompletion:
    """prompt 5,000 of which 4,000 written to the cache; completion 20."""
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-write1",
            "object": "chat.completion",
            "created": CREATED,
            "model": "gpt-5.4",
            "choices": [_choice()],
            "usage": {
                "prompt_tokens": 5000,
                "completion_tokens": 20,
                "total_tokens": 5020,
                "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 4000},
            },
        }
    )


def openai_stream_chunk() -> ChatCompletionChunk:
    """The last chunk of a stream with ``stream_options={"include_usage": True}``."""
    return ChatCompletionChunk.model_validate(
        {
            "id": "chatcmpl-stream1",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": "gpt-4o-mini",
            "choices": [],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
        }
    )


def openai_responses() -> Response:
    """Responses API, flex tier: input 12,000 = 8,000 cache reads + 3,000 cache writes (1,000 with
    30-minute and 2,000 with 12-hour retention) + 1,000 uncached; output 1,500 of which 1,024
    reasoning; 2 billable web searches."""
    response = Response.model_validate(
        {
            "id": "resp_67ccd2bed1ec8190",
            "object": "response",
            "created_at": CREATED,
            "model": "gpt-5.4",
            "status": "completed",
            "service_tier": "flex",
            "output": [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "tool_usage": {
                "web_search": {"num_requests": 2},
                "image_gen": {
                    "input_tokens": 0,
                    "input_tokens_details": {"image_tokens": 0, "text_tokens": 0},
                    "output_tokens": 0,
                    "total_tokens": 0,
                },
            },
            "usage": {
                "input_tokens": 12000,
                "input_tokens_details": {
                    "cached_tokens": 8000,
                    "cache_write_tokens": 3000,
                    "cache_write_tokens_details": {"ttl_30m_tokens": 1000, "ttl_12h_tokens": 2000},
                },
                "output_tokens": 1500,
                "output_tokens_details": {"reasoning_tokens": 1024},
                "total_tokens": 13500,
            },
        }
    )
    response._request_id = "req_b71e"
    return response


def openai_responses_search_items() -> Response:
    """An older Responses payload: no tool_usage, two web_search_call items in the output; it failed."""
    search = {"type": "web_search_call", "status": "completed", "action": {"type": "search", "query": "FOCUS 1.3"}}
    return Response.model_validate(
        {
            "id": "resp_search2",
            "object": "response",
            "created_at": CREATED,
            "model": "gpt-4.1",
            "status": "failed",
            "output": [{**search, "id": "ws_1"}, {**search, "id": "ws_2"}],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": 300,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": 40,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 340,
            },
        }
    )


def openai_embeddings() -> CreateEmbeddingResponse:
    return CreateEmbeddingResponse.model_validate(
        {
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 8, "total_tokens": 8},
        }
    )


def anthropic_message(**usage: Any) -> anthropic.types.Message:
    """claude-sonnet-4-5 with prompt caching: 50 uncached input (Anthropic's input_tokens EXCLUDES the
    cache), 100,000 cache reads, 3,000 cache writes (1,000 for 5 minutes, 2,000 for 1 hour), 700
    output of which 400 thinking, 3 web searches, US-only inference."""
    base = {
        "input_tokens": 50,
        "cache_read_input_tokens": 100_000,
        "cache_creation_input_tokens": 3000,
        "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
        "output_tokens": 700,
        "output_tokens_details": {"thinking_tokens": 400},
        "server_tool_use": {"web_search_requests": 3, "web_fetch_requests": 1},
        "service_tier": "standard",
        "inference_geo": "us",
    }
    message = anthropic.types.Message.model_validate(
        {
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [{"type": "text", "text": "ok"}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {k: v for k, v in {**base, **usage}.items() if v is not None},
        }
    )
    message._request_id = "req_011CSHoEeqs5C35K2UUqR7Fy"  # what the SDK sets from the request-id header
    message._workspace_id = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"  # ... and from anthropic-workspace-id
    return message


def gemini_response(provider_usage: dict[str, Any] | None = None) -> genai_types.GenerateContentResponse:
    """gemini-2.5-pro, priority PayGo: prompt 10,000 (9,000 text + 1,000 audio) of which 8,000 cached
    (7,500 text + 500 audio); 50 tool-use prompt tokens; 400 candidate tokens; 600 thinking tokens."""
    usage = provider_usage or {
        "promptTokenCount": 10_000,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9_000}, {"modality": "AUDIO", "tokenCount": 1_000}],
        "cachedContentTokenCount": 8_000,
        "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 7_500}, {"modality": "AUDIO", "tokenCount": 500}],
        "toolUsePromptTokenCount": 50,
        "candidatesTokenCount": 400,
        "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 400}],
        "thoughtsTokenCount": 600,
        "totalTokenCount": 11_050,
        "trafficType": "ON_DEMAND_PRIORITY",
    }
    return genai_types.GenerateContentResponse.model_validate(
        {
            "responseId": "mEsbaPz8GZSvgLUP1Z7zoQ4",
            "modelVersion": "gemini-2.5-pro",
            "createTime": "2025-11-30T10:53:20Z",
            "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
            "usageMetadata": usage,
        }
    )


def gemini_tts_response() -> genai_types.GenerateContentResponse:
    """A speech model: 30 text prompt tokens, 400 output tokens of which 300 audio."""
    return gemini_response(
        {
            "promptTokenCount": 30,
            "candidatesTokenCount": 400,
            "candidatesTokensDetails": [
                {"modality": "AUDIO", "tokenCount": 300},
                {"modality": "TEXT", "tokenCount": 100},
            ],
            "totalTokenCount": 430,
        }
    )


def bedrock_converse() -> dict[str, Any]:
    """boto3 ``bedrock-runtime.converse``: the AWS prompt-caching example (4 uncached input tokens,
    4,266 written to a 1-hour cache, 166 output; totalTokens counts the cache too)."""
    return {
        "ResponseMetadata": {
            "RequestId": "8d9c1b1e-1f0a-4d4e-9a57-2f1d3c4b5a69",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {"x-amzn-requestid": "8d9c1b1e-1f0a-4d4e-9a57-2f1d3c4b5a69"},
        },
        "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
        "stopReason": "end_turn",
        "usage": {
            "inputTokens": 4,
            "outputTokens": 166,
            "totalTokens": 4436,
            "cacheReadInputTokens": 0,
            "cacheWriteInputTokens": 4266,
            "cacheDetails": [{"ttl": "1h", "inputTokens": 4266}],
        },
        "metrics": {"latencyMs": 1234},
        "serviceTier": {"type": "priority"},
    }


def bedrock_invoke_model() -> dict[str, Any]:
    """boto3 ``invoke_model``: the body is a stream the caller reads; token counts come in headers."""
    return {
        "ResponseMetadata": {
            "RequestId": "c0ffee00-0000-4000-8000-000000000001",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {
                "x-amzn-requestid": "c0ffee00-0000-4000-8000-000000000001",
                "x-amzn-bedrock-input-token-count": "25",
                "x-amzn-bedrock-output-token-count": "120",
                "x-amzn-bedrock-cache-read-input-token-count": "2000",
                "x-amzn-bedrock-cache-write-input-token-count": "0",
                "x-amzn-bedrock-invocation-latency": "812",
            },
        },
        "contentType": "application/json",
        "body": object(),  # botocore StreamingBody: never read by the client
    }


BUCKETS = (
    "input_uncached_tokens",
    "input_cached_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "output_tokens",
    "output_audio_tokens",
)

# Hand-computed buckets, in BUCKETS order.
EXPECTED: dict[str, tuple[int, ...]] = {
    "openai_chat_reasoning": (464, 1536, 0, 0, 0, 900, 0),  # 2000 - 1536
    "openai_chat_audio": (500, 300, 0, 0, 200, 150, 250),  # 1000 - 300 - 200; 400 - 250
    "openai_chat_cache_write": (1000, 0, 4000, 0, 0, 20, 0),  # 5000 - 4000
    "openai_stream_chunk": (120, 0, 0, 0, 0, 30, 0),
    "openai_responses": (1000, 8000, 1000, 2000, 0, 1500, 0),  # 12000 - 8000 - 3000
    "openai_responses_search_items": (300, 0, 0, 0, 0, 40, 0),
    "openai_embeddings": (8, 0, 0, 0, 0, 0, 0),
    "anthropic_message": (50, 100_000, 1000, 2000, 0, 700, 0),  # input_tokens excludes the cache
    "gemini_response": (1550, 8000, 0, 0, 500, 1000, 0),  # 10000 + 50 - 8000 - (1000 - 500); 400 + 600
    "gemini_tts_response": (30, 0, 0, 0, 0, 100, 300),  # 400 - 300
    "bedrock_converse": (4, 0, 0, 4266, 0, 166, 0),
    "bedrock_invoke_model": (25, 2000, 0, 0, 0, 120, 0),
}
