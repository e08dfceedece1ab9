"""Per-request usage events: the wire format of ``record_usage`` and its normalization.

An application sends one event per LLM call (directly, or through the ``genai-costs-client``
package). :func:`normalize_event` turns one JSON object into a canonical :class:`UsageEvent`, or says
why it cannot:

    accepted      structurally valid and the token invariant holds: priced downstream
    quarantined   structurally valid, but the token counts do not add up (or cannot be placed in a
                  bucket): stored with the reason, never priced
    rejected      structurally invalid (no provider, model or time; wrong types; oversize tags; a time
                  far in the future or older than the dedup window): not stored, the producer gets
                  the reason

Three spellings are accepted and normalize to the same event (full table in docs/usage-events.md):
our canonical names (disjoint token buckets), the user's own names (``learner_id``,
``prompt_tokens`` / ``completion_tokens`` with OpenAI semantics, ``openai_request_id``, ...) and the
OpenTelemetry GenAI attributes (``gen_ai.usage.input_tokens`` INCLUDES cached tokens, ...).

Token buckets are disjoint (the same categories as ``genai_costs.model.records.UsageRecord``):

    input_uncached_tokens   input excluding cache reads, cache writes and audio
    input_cached_tokens     cache reads
    cache_write_5m_tokens   cache writes, 5-minute (or short / unknown) TTL
    cache_write_1h_tokens   cache writes, 1-hour (or extended) TTL
    input_audio_tokens      uncached audio input
    output_tokens           output incl. reasoning, excluding audio output
    output_audio_tokens     audio output

``reported_*_tokens`` are the provider's own inclusive totals as the producer saw them; the invariant
compares the buckets with them. Bucket values may be negative (a derived bucket comes out negative
when the producer's numbers disagree): they are kept as derived so the quarantine shows them.

Pure: no I/O and no clock (the caller passes ``received_at``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from genai_costs.errors import ValidationError

# --- bounds (documented in docs/usage-events.md; the client package mirrors them) ---------------
MAX_EVENTS_PER_BATCH = 1_000
MAX_BATCH_BYTES = 5_000_000  # 5 MB of request body, decimal megabytes
MAX_TAGS = 20
MAX_TAG_KEY_CHARS = 64
MAX_TAG_VALUE_CHARS = 256
TAG_KEY_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.:/-]*")
MAX_ID_CHARS = 256  # event, request and attribution ids, model names
MAX_SOURCE_CHARS = 128
MAX_TOKENS_PER_EVENT = 100_000_000  # one request; larger is a unit mistake, not usage
MAX_FUTURE_SKEW = timedelta(minutes=15)
# An older event could be a resend of one the dedup window has already forgotten; the consolidation
# must deduplicate over at least this window (issue 12: >= 32 days).
MAX_EVENT_AGE = timedelta(days=31)

Provider = Literal["openai", "anthropic", "gemini", "azure_openai", "aws_bedrock", "vertex_ai", "groq"]
PROVIDERS: tuple[str, ...] = get_args(Provider)
EventStatus = Literal["succeeded", "failed", "cancelled"]
Outcome = Literal["accepted", "quarantined", "rejected"]

TOKEN_BUCKETS: tuple[str, ...] = (
    "input_uncached_tokens",
    "input_cached_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "output_tokens",
    "output_audio_tokens",
)
INPUT_BUCKETS = TOKEN_BUCKETS[:5]

# Our provider ids from every spelling: canonical, OpenTelemetry ``gen_ai.provider.name`` and the
# deprecated ``gen_ai.system`` values, and the names people write by hand.
PROVIDER_ALIASES: dict[str, str] = {
    **{p: p for p in PROVIDERS},
    "gcp.gemini": "gemini",
    "gcp.vertex_ai": "vertex_ai",
    "azure.ai.openai": "azure_openai",
    "az.ai.openai": "azure_openai",
    "aws.bedrock": "aws_bedrock",
    "azure": "azure_openai",
    "bedrock": "aws_bedrock",
    "vertex": "vertex_ai",
    "vertexai": "vertex_ai",
}
_AMBIGUOUS_PROVIDERS = {
    "gcp.gen_ai": "gcp.gen_ai does not say whether the Gemini API or Vertex AI served the call "
    "(they bill differently); send gcp.gemini or gcp.vertex_ai",
}

STATUS_ALIASES: dict[str, EventStatus] = {
    "succeeded": "succeeded",
    "success": "succeeded",
    "ok": "succeeded",
    "completed": "succeeded",
    "incomplete": "succeeded",  # OpenAI Responses: cut short but billed
    "failed": "failed",
    "failure": "failed",
    "error": "failed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}


class BatchRejected(ValidationError):
    """The whole request is unusable: ``http_status`` is 400 (malformed) or 413 (too large)."""

    def __init__(self, message: str, *, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class _Reject(Exception):
    """Internal: the event is structurally invalid; the message is the per-event reason."""


# --- field types ----------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


Text = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS), AfterValidator(_printable)]
SourceText = Annotated[str, Field(min_length=1, max_length=MAX_SOURCE_CHARS), AfterValidator(_printable)]
ShortText = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_printable)]
Count = Annotated[int, Field(ge=-MAX_TOKENS_PER_EVENT, le=MAX_TOKENS_PER_EVENT)]


class UsageEvent(BaseModel):
    """One LLM call, canonical. Dedup key: ``(source, event_id)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: Text  # idempotency key; defaults to response_id, then request_id
    source: SourceText  # the producer (an application, a service); dedup is per source
    occurred_at: datetime  # UTC
    provider: Provider
    model: Text
    response_id: Text | None = None  # body id: chatcmpl-…, resp_…, msg_…, Gemini responseId
    request_id: Text | None = None  # header x-request-id / request-id, Bedrock requestId
    api_key_id: Text | None = None
    project_id: Text | None = None  # OpenAI project / Anthropic workspace / GCP project
    region: Text | None = None
    deployment: Text | None = None  # Azure OpenAI deployment

    input_uncached_tokens: Count = 0
    input_cached_tokens: Count = 0
    cache_write_5m_tokens: Count = 0
    cache_write_1h_tokens: Count = 0
    input_audio_tokens: Count = 0
    output_tokens: Count = 0
    output_audio_tokens: Count = 0
    reasoning_tokens: Count | None = None  # informational: already inside output_tokens
    web_search_requests: Annotated[int, Field(ge=0, le=MAX_TOKENS_PER_EVENT)] = 0
    reported_input_tokens: Count | None = None  # provider's inclusive input total
    reported_output_tokens: Count | None = None  # provider's inclusive output total (incl. audio)
    reported_total_tokens: Count | None = None

    service_tier: ShortText | None = None
    is_batch: bool = False
    context_window: ShortText | None = None  # Anthropic "0-200k" / "200k-1M"
    status: EventStatus = "succeeded"  # failed calls can still be billed
    latency_ms: Annotated[int, Field(ge=0, le=86_400_000)] | None = None

    tenant_id: Text | None = None
    user_id: Text | None = None
    service: Text | None = None
    workflow_id: Text | None = None
    feature: Text | None = None
    environment: Text | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    # The producer's own cost estimate, informational only: events are priced by our catalog.
    client_cost_usd: Annotated[Decimal, Field(ge=0, max_digits=38, decimal_places=9)] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("needs a time zone (send UTC, e.g. 2025-08-01T12:00:00Z, or unix seconds)")
        return value.astimezone(UTC)

    @field_validator("service_tier")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value is not None else None

    @field_validator("tags")
    @classmethod
    def _bounded_tags(cls, tags: dict[str, str]) -> dict[str, str]:
        if len(tags) > MAX_TAGS:
            raise ValueError(f"{len(tags)} tags; at most {MAX_TAGS}")
        for key, value in tags.items():
            if len(key) > MAX_TAG_KEY_CHARS or not TAG_KEY_PATTERN.fullmatch(key):
                raise ValueError(
                    f"tag key {key[:80]!r} must match {TAG_KEY_PATTERN.pattern} and be at most "
                    f"{MAX_TAG_KEY_CHARS} characters"
                )
            if len(value) > MAX_TAG_VALUE_CHARS:
                raise ValueError(f"tag {key!r} value has {len(value)} characters; at most {MAX_TAG_VALUE_CHARS}")
            _printable(value)
        return tags

    @property
    def dedup_key(self) -> tuple[str, str]:
        return (self.source, self.event_id)

    @property
    def usage_date(self) -> date:
        return self.occurred_at.date()

    def input_sum(self) -> int:
        return sum(getattr(self, name) for name in INPUT_BUCKETS)

    def output_sum(self) -> int:
        return self.output_tokens + self.output_audio_tokens

    def invariant_violation(self) -> str | None:
        """Why this event must be quarantined, or None when its token counts are consistent."""
        problems: list[str] = []
        explained: set[str] = set()  # negative buckets already described by a specific message
        input_sum = self.input_sum()
        if self.input_uncached_tokens < 0 and self.reported_input_tokens is not None:
            parts = input_sum - self.input_uncached_tokens
            problems.append(
                f"cache reads, cache writes and audio input ({parts}) exceed the reported input total "
                f"({self.reported_input_tokens})"
            )
            explained.add("input_uncached_tokens")
        if self.output_tokens < 0 and self.reported_output_tokens is not None:
            problems.append(
                f"audio output ({self.output_audio_tokens}) exceeds the reported output total "
                f"({self.reported_output_tokens})"
            )
            explained.add("output_tokens")
        checked = (*TOKEN_BUCKETS, "reasoning_tokens", "reported_input_tokens", "reported_output_tokens")
        negative = [
            f"{n}={getattr(self, n)}"
            for n in (*checked, "reported_total_tokens")
            if n not in explained and (getattr(self, n) or 0) < 0
        ]
        if negative:
            problems.append("negative token counts: " + ", ".join(negative))
        if self.reported_input_tokens is not None and input_sum != self.reported_input_tokens:
            problems.append(
                f"input buckets sum to {input_sum} but the reported input total is {self.reported_input_tokens}"
            )
        if self.reported_output_tokens is not None and self.output_sum() != self.reported_output_tokens:
            problems.append(
                f"output buckets sum to {self.output_sum()} but the reported output total is "
                f"{self.reported_output_tokens}"
            )
        total = input_sum + self.output_sum()
        if self.reported_total_tokens is not None and total != self.reported_total_tokens:
            problems.append(f"token buckets sum to {total} but the reported total is {self.reported_total_tokens}")
        if self.reasoning_tokens is not None and self.reasoning_tokens > self.output_tokens:
            problems.append(
                f"reasoning tokens ({self.reasoning_tokens}) exceed output tokens ({self.output_tokens}); "
                "reasoning is part of the output"
            )
        if self.status == "succeeded" and total == 0 and self.web_search_requests == 0:
            problems.append("a succeeded call with no tokens and no web searches: the usage is missing")
        return "; ".join(problems) or None


# --- normalization ---------------------------------------------------------------------------
# Per canonical field: groups of source keys, highest priority first. Keys in one group are synonyms
# and must agree; a later group is only a fallback (gen_ai.request.model when no response model).
_FIELD_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "event_id": (("event_id",),),
    "source": (("source",),),
    "occurred_at": (("occurred_at",), ("timestamp",), ("created_at",), ("openai_created",)),
    "model": (("model", "model_used", "model_name"), ("gen_ai.response.model",), ("gen_ai.request.model",)),
    "response_id": (("response_id", "gen_ai.response.id"),),
    "request_id": (("request_id",),),
    "api_key_id": (("api_key_id",),),
    "project_id": (("project_id", "workspace_id"),),
    "region": (("region", "cloud.region"),),
    "deployment": (("deployment", "deployment_name"),),
    "service_tier": (
        ("service_tier",),
        ("openai.response.service_tier", "gen_ai.openai.response.service_tier"),
        ("openai.request.service_tier", "gen_ai.openai.request.service_tier"),
    ),
    "is_batch": (("is_batch", "batch"),),
    "context_window": (("context_window",),),
    "latency_ms": (("latency_ms", "duration_ms"),),
    "tenant_id": (("tenant_id", "tenant"),),
    "user_id": (("user_id", "learner_id", "learner", "user.id"), ("enduser.id",)),
    "service": (("service", "service_name"), ("service.name",)),
    "workflow_id": (("workflow_id",),),
    "feature": (("feature",),),
    "environment": (("environment", "env"), ("deployment.environment.name", "deployment.environment")),
    "web_search_requests": (("web_search_requests",),),
}
_ID_FIELDS = {
    "event_id",
    "response_id",
    "request_id",
    "api_key_id",
    "project_id",
    "tenant_id",
    "user_id",
    "workflow_id",
}

# Token spellings. Inclusive totals (OpenAI / OpenTelemetry semantics: input includes cache reads,
# cache writes and audio; output includes reasoning and audio).
_INPUT_TOTAL = (
    "reported_input_tokens",
    "input_tokens",
    "prompt_tokens",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
)
_OUTPUT_TOTAL = (
    "reported_output_tokens",
    "completion_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
)
_INCLUSIVE_MARKERS = tuple(k for k in (*_INPUT_TOTAL, *_OUTPUT_TOTAL) if not k.startswith("reported_"))
_CACHE_READ = ("input_cached_tokens", "cached_tokens", "gen_ai.usage.cache_read.input_tokens")
_CACHE_WRITE_TOTAL = ("cache_write_tokens", "gen_ai.usage.cache_creation.input_tokens")
_AUDIO_IN = ("input_audio_tokens", "gen_ai.usage.audio.input_tokens")
_AUDIO_OUT = ("output_audio_tokens", "gen_ai.usage.audio.output_tokens")
_REASONING = ("reasoning_tokens", "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens")
_TOTAL = ("reported_total_tokens", "total_tokens", "gen_ai.usage.total_tokens")
# Parts of the totals with no bucket of their own (priced as text input / output): read, not stored.
_INFORMATIONAL_USAGE = {
    f"gen_ai.usage.{modality}.{side}_tokens" for modality in ("text", "image", "video") for side in ("input", "output")
}
_TOKEN_KEYS = {
    *_INPUT_TOTAL,
    *_OUTPUT_TOTAL,
    *_CACHE_READ,
    *_CACHE_WRITE_TOTAL,
    *_AUDIO_IN,
    *_AUDIO_OUT,
    *_REASONING,
    *_TOTAL,
    *_INFORMATIONAL_USAGE,
    *TOKEN_BUCKETS,
}
_OTHER_KEYS = {
    "provider",
    "gen_ai.provider.name",
    "gen_ai.system",
    "status",
    "error.type",
    "tags",
    "openai_request_id",
    "client_cost_usd",
    "cost_usd",
    "cost",
    "total_cost_usd",
    "calculated_cost_cents",
}
_KNOWN_KEYS = {k for groups in _FIELD_KEYS.values() for group in groups for k in group} | _TOKEN_KEYS | _OTHER_KEYS


class EventOutcome(BaseModel):
    """What became of one event of a batch."""

    model_config = ConfigDict(frozen=True)

    index: int
    status: Outcome
    event: UsageEvent | None = None  # None when rejected
    reason: str | None = None  # why quarantined or rejected
    event_id: str | None = None  # echoed to the producer when known


class EventResult(BaseModel):
    """One entry of the response, in request order."""

    index: int
    event_id: str | None
    status: Outcome
    reason: str | None = None


class BatchResponse(BaseModel):
    """Body of the record_usage response: 200 when every event is accepted, else 207."""

    accepted: int
    quarantined: int
    rejected: int
    results: list[EventResult]

    @classmethod
    def from_outcomes(cls, outcomes: list[EventOutcome]) -> BatchResponse:
        return cls(
            accepted=sum(o.status == "accepted" for o in outcomes),
            quarantined=sum(o.status == "quarantined" for o in outcomes),
            rejected=sum(o.status == "rejected" for o in outcomes),
            results=[
                EventResult(index=o.index, event_id=o.event_id, status=o.status, reason=o.reason) for o in outcomes
            ],
        )

    @property
    def http_status(self) -> int:
        return 200 if self.accepted == len(self.results) else 207


def normalize_event(
    raw: object,
    *,
    received_at: datetime,
    index: int = 0,
    default_source: str | None = None,
    max_future_skew: timedelta = MAX_FUTURE_SKEW,
    max_age: timedelta | None = MAX_EVENT_AGE,
) -> EventOutcome:
    """Canonicalize one event of any spelling. Never raises for bad input: the outcome says why.

    ``default_source`` names the producer when the event does not (e.g. the caller's identity);
    ``max_age=None`` accepts any age (a one-off historical import whose dedup the caller owns).
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    echoed_id = _echoed_id(raw)
    try:
        if not isinstance(raw, Mapping):
            raise _Reject(f"an event must be a JSON object, got {type(raw).__name__}")
        fields, notes, errors = _canonical_fields(raw, default_source)
        try:
            event = UsageEvent(**fields)
        except PydanticValidationError as exc:
            errors.update(_describe(exc, skip=set(errors)))
        if errors:
            raise _Reject("; ".join(errors.values()))
        _check_time(event.occurred_at, received_at, max_future_skew, max_age)
    except _Reject as exc:
        return EventOutcome(index=index, status="rejected", reason=str(exc), event_id=echoed_id)
    problems = [p for p in (event.invariant_violation(), *notes) if p]
    if problems:
        return EventOutcome(
            index=index, status="quarantined", event=event, reason="; ".join(problems), event_id=event.event_id
        )
    return EventOutcome(index=index, status="accepted", event=event, event_id=event.event_id)


def _echoed_id(raw: object) -> str | None:
    """The id a producer would recognize a rejected event by, when it sent one."""
    if not isinstance(raw, Mapping):
        return None
    for key in ("event_id", "response_id", "gen_ai.response.id", "openai_request_id", "request_id"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:MAX_ID_CHARS]
    return None


def parse_batch(
    body: bytes | str | Mapping[str, Any],
    *,
    received_at: datetime,
    default_source: str | None = None,
    max_future_skew: timedelta = MAX_FUTURE_SKEW,
    max_age: timedelta | None = MAX_EVENT_AGE,
) -> list[EventOutcome]:
    """A request body ``{"events": [...]}`` -> one outcome per event, in order.

    Raises :class:`BatchRejected` (400 / 413) only when the request as a whole is unusable; a bad
    event never spoils the others. JSON numbers are read as Decimal, so money stays exact.
    """
    if isinstance(body, bytes | str):
        size = len(body.encode() if isinstance(body, str) else body)
        if size > MAX_BATCH_BYTES:
            raise BatchRejected(f"request body is {size} bytes; at most {MAX_BATCH_BYTES}", http_status=413)
        try:
            payload = json.loads(body, parse_float=Decimal, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise BatchRejected(f"request body is not valid JSON: {exc}", http_status=400) from None
    else:
        payload = body
    if not isinstance(payload, Mapping) or not isinstance(payload.get("events"), list):
        raise BatchRejected('request body must be a JSON object {"events": [...]}', http_status=400)
    events = payload["events"]
    if not events:
        raise BatchRejected("events is empty", http_status=400)
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise BatchRejected(f"{len(events)} events; at most {MAX_EVENTS_PER_BATCH} per request", http_status=413)
    return [
        normalize_event(
            raw,
            received_at=received_at,
            index=i,
            default_source=default_source,
            max_future_skew=max_future_skew,
            max_age=max_age,
        )
        for i, raw in enumerate(events)
    ]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _canonical_fields(
    raw: Mapping[str, Any], default_source: str | None
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """Map any spelling to UsageEvent's field names.

    Returns the fields, notes (reasons to quarantine) and errors by field (reasons to reject; all of
    them, so a producer fixes an event in one round trip).
    """
    keys = set(raw)
    if any(not isinstance(k, str) for k in keys):
        raise _Reject("field names must be strings")
    unknown = sorted(k for k in keys - _KNOWN_KEYS if "." not in k)
    if unknown:
        raise _Reject(f"unknown field(s): {', '.join(unknown[:10])} (free-form attribution belongs in tags)")
    notes = [
        f"unrecognized token attribute {k}={str(raw[k])[:40]}: tokens that fit no bucket would be priced wrongly"
        for k in sorted(keys - _KNOWN_KEYS)
        if k.startswith("gen_ai.usage.")
    ]
    errors: dict[str, str] = {}

    def attempt(field: str, derive: Callable[[], Any]) -> Any:
        try:
            return derive()
        except _Reject as exc:
            errors[field] = str(exc)
            return None

    fields: dict[str, Any] = {}
    for name, groups in _FIELD_KEYS.items():
        value = attempt(name, partial(_first_group, raw, groups))
        if value is None:
            continue
        if name in _ID_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # tenant 42 is tenant "42"
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue  # "" means unset
        fields[name] = value

    if "web_search_requests" in fields:
        fields["web_search_requests"] = attempt(
            "web_search_requests", partial(_as_count, "web_search_requests", fields["web_search_requests"])
        )
    attempt("response_id", partial(_route_openai_request_id, raw, fields))
    fields["provider"] = attempt("provider", partial(_provider, raw))
    fields["status"] = attempt("status", partial(_status, raw))
    if "occurred_at" in fields:
        fields["occurred_at"] = attempt("occurred_at", partial(_timestamp, fields["occurred_at"]))
    elif "occurred_at" not in errors:
        errors["occurred_at"] = "missing occurred_at (ISO 8601 with a time zone, or unix seconds)"
    if "model" not in fields and "model" not in errors:
        errors["model"] = "missing model (model or gen_ai.response.model / gen_ai.request.model)"
    if "latency_ms" in fields:
        fields["latency_ms"] = attempt("latency_ms", partial(_milliseconds, fields["latency_ms"]))
    if raw.get("tags") is not None:
        fields["tags"] = attempt("tags", partial(_tags, raw["tags"]))
    fields["client_cost_usd"] = attempt("client_cost_usd", partial(_client_cost, raw))
    fields.setdefault("source", default_source)
    if fields["source"] is None:
        errors["source"] = "no source: name the producing application (dedup is per source and event_id)"
    if fields.get("event_id") is None:
        fields["event_id"] = fields.get("response_id") or fields.get("request_id")
        if fields["event_id"] is None and "response_id" not in errors:
            errors["event_id"] = "no event_id, response_id or request_id: the event cannot be deduplicated"
    buckets = attempt("tokens", partial(_token_buckets, raw))
    if buckets is not None:
        tokens, token_notes = buckets
        fields.update(tokens)
        notes += token_notes
    return {k: v for k, v in fields.items() if v is not None}, notes, errors


def _first_group(raw: Mapping[str, Any], groups: tuple[tuple[str, ...], ...]) -> Any:
    for group in groups:
        present = [(k, raw[k]) for k in group if raw.get(k) is not None]
        if not present:
            continue
        distinct = {_comparable(v) for _, v in present}
        if len(distinct) > 1:
            raise _Reject("conflicting values: " + ", ".join(f"{k}={v!r}" for k, v in present))
        return present[0][1]
    return None


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return repr(value) if isinstance(value, dict | list) else value


def _route_openai_request_id(raw: Mapping[str, Any], fields: dict[str, Any]) -> None:
    """The user's ``openai_request_id`` holds the body id (``chatcmpl-…``); OpenAI's header id is ``req_…``."""
    value = raw.get("openai_request_id")
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise _Reject("openai_request_id must be a non-empty string")
    target = "request_id" if value.strip().startswith("req_") else "response_id"
    existing = fields.get(target)
    if existing is not None and existing != value.strip():
        raise _Reject(f"conflicting values: {target}={existing!r}, openai_request_id={value!r}")
    fields[target] = value.strip()


def _provider(raw: Mapping[str, Any]) -> str:
    keys = ("provider", "gen_ai.provider.name", "gen_ai.system")
    present = [(k, raw[k]) for k in keys if raw.get(k) is not None]
    if not present:
        raise _Reject("missing provider (provider or gen_ai.provider.name)")
    resolved = set()
    for key, value in present:
        if not isinstance(value, str):
            raise _Reject(f"{key} must be a string")
        name = value.strip().lower()
        if name in _AMBIGUOUS_PROVIDERS:
            raise _Reject(_AMBIGUOUS_PROVIDERS[name])
        if name not in PROVIDER_ALIASES:
            raise _Reject(f"provider {value!r} is not supported (supported: {', '.join(PROVIDERS)})")
        resolved.add(PROVIDER_ALIASES[name])
    if len(resolved) > 1:
        raise _Reject("conflicting values: " + ", ".join(f"{k}={v!r}" for k, v in present))
    return resolved.pop()


def _status(raw: Mapping[str, Any]) -> str:
    value = raw.get("status")
    if value is None:
        return "failed" if raw.get("error.type") else "succeeded"
    if not isinstance(value, str) or value.strip().lower() not in STATUS_ALIASES:
        raise _Reject(f"status {value!r} must be one of succeeded, failed, cancelled")
    return STATUS_ALIASES[value.strip().lower()]


def _timestamp(value: Any) -> Any:
    """Unix seconds (a number) -> aware datetime; strings and datetimes are left to pydantic."""
    if isinstance(value, bool):
        raise _Reject("occurred_at must be an ISO 8601 timestamp or unix seconds")
    if isinstance(value, int | float | Decimal):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise _Reject(f"occurred_at {value} is not a plausible unix time in seconds") from None
    return value


def _milliseconds(value: Any) -> Any:
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        try:
            return round(value)
        except (OverflowError, ValueError, InvalidOperation):
            raise _Reject(f"latency_ms {value} is not a number of milliseconds") from None
    return value


def _tags(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _Reject("tags must be an object of string keys to string values")
    tags: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            tags[key] = "true" if item else "false"
        elif isinstance(item, str | int | Decimal | float):
            tags[key] = str(item)
        else:
            raise _Reject(f"tag {str(key)[:80]!r} must be a string, number or boolean")
    return tags


def _client_cost(raw: Mapping[str, Any]) -> Decimal | None:
    """The producer's own estimate, in USD, from any of the user's spellings (seed: cost, cents)."""
    found: list[tuple[str, Decimal]] = []
    for key in ("client_cost_usd", "cost_usd", "total_cost_usd", "cost", "calculated_cost_cents"):
        value = raw.get(key)
        if isinstance(value, Mapping) and key == "cost":  # {"cost": {"total_cost_usd": 0.0012}}
            value = value.get("total_cost_usd")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            raise _Reject(f"{key} must be a number")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise _Reject(f"{key} {value!r} is not a number") from None
        if not amount.is_finite():
            raise _Reject(f"{key} must be finite")
        amount = amount.scaleb(-2) if key == "calculated_cost_cents" else amount
        found.append((key, amount.quantize(_NANO) if abs(amount) < 10**20 else amount))
    if len({amount for _, amount in found}) > 1:
        raise _Reject("conflicting values: " + ", ".join(f"{k}={a}" for k, a in found))
    return found[0][1] if found else None


_NANO = Decimal("0.000000001")


def _count(raw: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    """One token count from synonym keys (which must agree); None when absent."""
    present = [(k, _as_count(k, raw[k])) for k in keys if raw.get(k) is not None]
    if len({v for _, v in present}) > 1:
        raise _Reject("conflicting values: " + ", ".join(f"{k}={v}" for k, v in present))
    return present[0][1] if present else None


def _as_count(key: str, value: Any) -> int:
    """A whole, non-boolean number (JSON 12, 12.0 or "12"); anything else is a wrong type."""
    if isinstance(value, str):
        value = value.strip()
        whole = re.fullmatch(r"-?\d{1,12}", value) is not None
    elif isinstance(value, float | Decimal):
        whole = math.isfinite(value) and value == int(value)
    else:
        whole = isinstance(value, int) and not isinstance(value, bool)
    if not whole:
        raise _Reject(f"{key} must be an integer, got {value!r}"[:200])
    number = int(value)
    if abs(number) > MAX_TOKENS_PER_EVENT:
        raise _Reject(f"{key}={number} exceeds {MAX_TOKENS_PER_EVENT:,} for one request")
    return number


def _token_buckets(raw: Mapping[str, Any]) -> tuple[dict[str, int | None], list[str]]:
    """Disjoint buckets from either canonical buckets or inclusive totals (+ declared totals)."""
    notes: list[str] = []
    for key in _INFORMATIONAL_USAGE:
        if raw.get(key) is not None:
            _as_count(key, raw[key])  # type-checked, not stored
    inclusive = raw.get("input_uncached_tokens") is None and any(raw.get(k) is not None for k in _INCLUSIVE_MARKERS)
    input_total = _count(raw, _INPUT_TOTAL)
    output_total = _count(raw, (*_OUTPUT_TOTAL, "output_tokens") if inclusive else _OUTPUT_TOTAL)
    cached = _count(raw, _CACHE_READ) or 0
    audio_in = _count(raw, _AUDIO_IN) or 0
    audio_out = _count(raw, _AUDIO_OUT) or 0
    write_5m = _count(raw, ("cache_write_5m_tokens",))
    write_1h = _count(raw, ("cache_write_1h_tokens",))
    write_total = _count(raw, _CACHE_WRITE_TOTAL)
    if write_total is not None:  # a total with no TTL split: the rest of it is short-TTL
        if write_5m is None:
            write_5m = write_total - (write_1h or 0)
        elif write_1h is None:
            write_1h = write_total - write_5m
        elif write_5m + write_1h != write_total:
            notes.append(
                f"cache writes 5m ({write_5m}) + 1h ({write_1h}) differ from the cache write total ({write_total})"
            )
    write_5m, write_1h = write_5m or 0, write_1h or 0

    if inclusive:
        uncached = (input_total or 0) - cached - write_5m - write_1h - audio_in
        output = (output_total or 0) - audio_out
    else:
        uncached = _count(raw, ("input_uncached_tokens",)) or 0
        output = _count(raw, ("output_tokens",)) or 0
    return {
        "input_uncached_tokens": uncached,
        "input_cached_tokens": cached,
        "cache_write_5m_tokens": write_5m,
        "cache_write_1h_tokens": write_1h,
        "input_audio_tokens": audio_in,
        "output_tokens": output,
        "output_audio_tokens": audio_out,
        "reasoning_tokens": _count(raw, _REASONING),
        "reported_input_tokens": input_total,
        "reported_output_tokens": output_total,
        "reported_total_tokens": _count(raw, _TOTAL),
    }, notes


def _check_time(occurred_at: datetime, received_at: datetime, skew: timedelta, max_age: timedelta | None) -> None:
    received = received_at.astimezone(UTC)
    if occurred_at > received + skew:
        raise _Reject(
            f"occurred_at {occurred_at.isoformat()} is {_whole_seconds(occurred_at - received)} after the "
            f"request arrived (at most {skew} of clock skew)"
        )
    if max_age is not None and occurred_at < received - max_age:
        raise _Reject(
            f"occurred_at {occurred_at.isoformat()} is older than {max_age.days} days: past the dedup window, "
            "a resend could not be recognized as a duplicate"
        )


def _whole_seconds(delta: timedelta) -> timedelta:
    return timedelta(seconds=int(delta.total_seconds()))


def _describe(exc: PydanticValidationError, *, skip: set[str]) -> dict[str, str]:
    """Pydantic's errors by field, minus fields whose problem was already described."""
    described: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        field = str(error["loc"][0]) if error["loc"] else "event"
        if field in skip:
            continue
        location = ".".join(str(p) for p in error["loc"]) or "event"
        message = "missing" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
        described[field] = f"{described[field]}; " if field in described else ""
        described[field] += f"{location}: {message}"
    return described
