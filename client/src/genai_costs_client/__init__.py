"""genai-costs-client: record every LLM call with who it was for, without slowing the caller.

    from genai_costs_client import UsageClient, attribution

    usage = UsageClient.for_endpoint(RECORD_USAGE_URL, source="tutor-api",
                                     token_provider=google_id_token_provider(RECORD_USAGE_URL))
    with attribution(tenant_id="school-12", user_id="learner-7", service="tutor", workflow_id="lesson-3"):
        response = openai_client.chat.completions.create(...)
        usage.record(response)

Wire format and semantics: docs/usage-events.md in the genai-costs repository.
"""

from genai_costs_client.attribution import (
    Attribution,
    attribution,
    current_attribution,
    reset_attribution,
    set_attribution,
)
from genai_costs_client.auth import CachedToken, google_id_token_provider
from genai_costs_client.client import ClientStats, UsageClient
from genai_costs_client.sdk_usage import UnsupportedResponse, event_from_response
from genai_costs_client.sinks import (
    CallableSink,
    HttpSink,
    MemorySink,
    PayloadTooLarge,
    SendResult,
    Sink,
    SinkError,
    TransientSinkError,
)
from genai_costs_client.wire import Batch

__all__ = [
    "Attribution",
    "Batch",
    "CachedToken",
    "CallableSink",
    "ClientStats",
    "HttpSink",
    "MemorySink",
    "PayloadTooLarge",
    "SendResult",
    "Sink",
    "SinkError",
    "TransientSinkError",
    "UnsupportedResponse",
    "UsageClient",
    "attribution",
    "current_attribution",
    "event_from_response",
    "google_id_token_provider",
    "reset_attribution",
    "set_attribution",
]
