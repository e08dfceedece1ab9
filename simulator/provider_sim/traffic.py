"""Application traffic: the usage events the simulated organization's own applications send to
``record_usage``, one per LLM call, with realistic imperfections.

**Consistent with the providers' usage APIs by construction.** Every call is an exact share of one
minute of one usage row of the data set (``Dataset.minute_rows``, the split every 1-minute bucket
shows), so the calls of a (model, project, api key, tier) in a minute add up, token category by
token category, to what the usage APIs report for it; the calls the applications never recorded
are the difference. Only the learning platform's own scope is instrumented: for OpenAI, Anthropic
and Azure OpenAI, the (project, api key) pairs taken in a fixed hash order until the plan's
``daily_calls`` is reached; every other team's usage sends no events (the unexplained remainder).
The platform runs on generally available models: usage rows of preview models (the ones a price
catalog may not know yet, and the audio previews) are other teams' experiments and send no events.
Groq is used only by the platform and has no usage API: its calls exist only as events.
On Bedrock the platform's scope is (model, region): its on-demand models in us-east-1, called with its
own IAM role; each Bedrock call carries Bedrock's ``requestId`` (a UUID), which its event sends as
``request_id`` and the model invocation log (``provider_sim.invocation_logs``) records for every call
of the account, the platform's and the other teams' alike.

**Who the calls serve.** Four tenants (schools) with their learners, and four services, each its
own ``source`` and its own spelling of the event (docs/usage-events.md):

    tutor-api        chat with learners (hints, explanations)     canonical fields (the client library)
    grader           essay grading                                the user's names (prompt_tokens, learner_id, ...)
    content-pipeline batch course generation                      OpenTelemetry GenAI attributes
    search-indexer   embeddings                                   canonical fields

**Imperfections** (``TrafficPlan``): calls never recorded, batches resent after a lost answer, events
parked in a retry queue and sent late (some of them also sent on time), and a grader bug that
reports Anthropic's ``input_tokens`` (cache excluded) as ``prompt_tokens`` (cache included), which
the token invariant quarantines. Everything is a hash of (seed, org, ...): the same plan gives the
same events, batches and order.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from provider_sim.catalog import AZURE_ACCOUNT, AZURE_REGION
from provider_sim.config import TrafficPlan
from provider_sim.dataset import Dataset
from provider_sim.dataset_types import Dims, Usage
from provider_sim.stable import stable_id, stable_seed
from provider_sim.timeutil import floor_to, hours

# The simulator's provider names -> the ids of docs/usage-events.md.
EVENT_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "azure": "azure_openai", "bedrock": "aws_bedrock"}
PLATFORM_BEDROCK_REGION = "us-east-1"
GROQ_MODELS = (("llama-3.3-70b-versatile", 0.7), ("llama-3.1-8b-instant", 1.0))  # (model, cumulative share)
TENANTS = (  # (tenant, cumulative share, learners, plan)
    ("northwind-academy", 0.45, 40, "enterprise"),
    ("contoso-university", 0.75, 25, "enterprise"),
    ("fabrikam-schools", 0.90, 15, "standard"),
    ("adatum-learning", 1.00, 10, "standard"),
)
TUTOR_FEATURES = ("hints", "explanations", "chat")
_UNIT = float(2**64)


def platform_model(model: str | None) -> bool:
    """Whether the learning platform calls this model (and so sends its usage events): not a preview."""
    return model is not None and "preview" not in model


def scope_key(provider: str, dims: Dims) -> tuple[str | None, str | None]:
    """What a provider's instrumented scope is made of: (project, api key); on Bedrock, which has neither
    per team, (model, region)."""
    return (dims.model, dims.region) if provider == "bedrock" else (dims.project, dims.api_key)


def instrumentable(provider: str, dims: Dims) -> bool:
    """Usage the platform could have made: generally available models; on Bedrock on-demand calls in its region."""
    if provider == "bedrock":
        return platform_model(dims.model) and dims.traffic == "payg" and dims.region == PLATFORM_BEDROCK_REGION
    return platform_model(dims.model)


@dataclass(frozen=True)
class Call:
    """One LLM call, as it happened (whether or not its application recorded it)."""

    provider: str  # event provider id (openai, anthropic, azure_openai, groq)
    occurred_at: datetime
    dims: Dims | None  # the usage row it is part of (None for Groq: no usage API)
    model: str
    usage: Usage
    event_id: str
    source: str
    spelling: str  # canonical | users | otel
    tenant_id: str
    user_id: str | None
    workflow_id: str
    feature: str
    plan: str  # the tenant's plan, sent as a tag
    latency_ms: int
    recorded: bool  # False: the application never sent it
    late_by: timedelta | None  # sent this long after the call (retry queue); None: on time
    requeued: bool  # sent on time and again, late, from the retry queue
    miscounted: bool  # prompt_tokens sent without the cache reads and writes (quarantined)
    request_id: str | None = None  # Bedrock's requestId (a UUID); None for the other providers


@dataclass(frozen=True)
class Delivery:
    """One request to record_usage, in send order."""

    sent_at: datetime
    source: str
    events: tuple[dict[str, Any], ...]
    resend: bool = False  # the same body again: the first answer was lost

    def body(self) -> dict[str, Any]:
        return {"events": list(self.events)}


@dataclass
class TrafficSummary:
    calls: int = 0
    recorded: int = 0
    never_recorded: int = 0
    late: int = 0
    requeued: int = 0
    miscounted: int = 0
    deliveries: int = 0
    resent_deliveries: int = 0
    events_sent: int = 0  # events in all deliveries, duplicates included
    calls_by_provider: dict[str, int] = field(default_factory=dict)
    recorded_by_provider: dict[str, int] = field(default_factory=dict)


class Traffic:
    def __init__(self, dataset: Dataset, plan: TrafficPlan | None = None) -> None:
        self.dataset = dataset
        self.plan = plan or dataset.config.traffic
        config = dataset.config
        self.end = min(config.window_end, config.effective_now)
        self.start = max(config.window_start, self.end - timedelta(days=self.plan.days))
        self._combo_ids: dict[tuple[str, Dims], str] = {}

    def _fraction(self, *parts: object) -> float:
        return stable_seed(self.dataset.config.seed, self.dataset.config.org, "traffic", *parts) / _UNIT

    # -- which usage is instrumented ------------------------------------------------------------
    @cached_property
    def scopes(self) -> dict[str, frozenset[tuple[str | None, str | None]]]:
        """Per simulator provider, the (project, api key) pairs whose calls send events."""
        daily = dict(self.plan.daily_calls)
        days = max((self.end - self.start) / timedelta(days=1), 1e-9)
        out: dict[str, frozenset[tuple[str | None, str | None]]] = {}
        for provider in EVENT_PROVIDER:
            volume: dict[tuple[str | None, str | None], int] = defaultdict(int)
            for hour in hours(self.start, self.end):
                minutes = len(self.dataset.active_minutes(provider, hour))
                for row in self.dataset.hour_rows(provider, hour):  # about one call a minute at least
                    if instrumentable(provider, row.dims):
                        volume[scope_key(provider, row.dims)] += max(row.usage.requests, minutes)
            budget, chosen = daily.get(provider, 0) * days, set()
            for pair in sorted(volume, key=lambda p: self._fraction("scope", provider, *p)):
                if volume[pair] and volume[pair] <= budget:
                    chosen.add(pair)
                    budget -= volume[pair]
            if not chosen and budget > 0 and volume:  # every pair is over budget: the smallest one
                chosen.add(min(volume, key=lambda p: (volume[p], str(p))))
            out[provider] = frozenset(chosen)
        return out

    # -- calls ------------------------------------------------------------------------------------
    @cached_property
    def all_calls(self) -> tuple[Call, ...]:
        return tuple(self.calls())

    def calls(self) -> Iterator[Call]:
        """Every call of the instrumented scope and of Groq, hour by hour."""
        for hour in hours(self.start, self.end):
            for provider in self.scopes:
                yield from self.provider_calls(provider, hour, instrumented_only=True)
            yield from self._groq_hour(hour)

    def in_scope(self, provider: str, dims: Dims) -> bool:
        """Whether the platform made this usage row's calls (and so sends their events)."""
        return scope_key(provider, dims) in self.scopes[provider] and instrumentable(provider, dims)

    def provider_calls(self, provider: str, hour: datetime, *, instrumented_only: bool) -> Iterator[Call]:
        """One hour's calls of a provider: the platform's, or every call of the account (the invocation log)."""
        keep = (lambda d: self.in_scope(provider, d)) if instrumented_only else None
        for row in self.dataset.minute_rows(provider, hour, keep):
            yield from self._split(provider, row.start, row.dims, row.usage)

    def _split(self, provider: str, minute: datetime, dims: Dims, usage: Usage) -> Iterator[Call]:
        count = _call_count(usage)
        combo = self._combo_id(provider, dims)
        for i in range(count):

            def part(value: int, i: int = i) -> int:
                return value * (i + 1) // count - value * i // count

            share = usage.map(part)
            if share.tokens == 0 and share.web_search_requests == 0:
                continue  # a split too fine for this minute's tokens: no call carries nothing
            share = replace(share, reasoning=min(share.reasoning, share.output), requests=1)
            if provider == "bedrock":  # the platform's Bedrock calls are the tutor's, each with Bedrock's requestId
                request_id = self._request_id(combo, i, minute)
                call = self._call("aws_bedrock", minute, dims, dims.model, share, (combo, i), service="tutor-api")
                yield replace(call, event_id=request_id, request_id=request_id)
                continue
            yield self._call(EVENT_PROVIDER[provider], minute, dims, dims.model, share, (combo, i))

    def _request_id(self, combo: str, index: int, minute: datetime) -> str:
        config = self.dataset.config
        digest = hashlib.sha256(repr((config.seed, config.org, "request", combo, index, minute)).encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))

    def _combo_id(self, provider: str, dims: Dims) -> str:
        key = (provider, dims)
        if key not in self._combo_ids:
            self._combo_ids[key] = stable_id("", provider, dims, length=12)
        return self._combo_ids[key]

    def _groq_hour(self, hour: datetime) -> Iterator[Call]:
        diurnal = 0.35 + 0.65 * (1 + math.sin((hour.hour - 9) / 24 * 2 * math.pi)) / 2
        for i in range(round(self.plan.groq_calls_per_hour * diurnal * 2 * self._fraction("groq", hour))):
            at = self._fraction("groq-minute", hour, i)
            minute = hour + timedelta(minutes=int(at * 60))
            model = next(m for m, share in GROQ_MODELS if self._fraction("groq-model", hour, i) < share)
            prompt = 200 + int(2300 * self._fraction("groq-prompt", hour, i))
            completion = 20 + int(580 * self._fraction("groq-completion", hour, i))
            usage = Usage(uncached_input=prompt, output=completion, requests=1)
            yield self._call("groq", minute, None, model, usage, ("groq", hour, i), service="tutor-api")

    def _call(
        self,
        provider: str,
        minute: datetime,
        dims: Dims | None,
        model: str,
        usage: Usage,
        key: tuple[object, ...],
        *,
        service: str | None = None,
    ) -> Call:
        # One seeded generator per call, drawn in a fixed order: every choice about the call is a
        # function of (seed, org, combo, minute, index) alone.
        rng = random.Random(stable_seed(self.dataset.config.seed, self.dataset.config.org, "call", *key, minute))
        service_u, tenant_u, learner_u, feature_u, drop_u, late_u, miscount_u, second_u, latency_u, delay_u = (
            rng.random() for _ in range(10)
        )
        event_id = {"anthropic": "msg_01"}.get(provider, "chatcmpl-") + f"{rng.getrandbits(120):030x}"
        service = service or _service(dims, model, service_u)
        tenant, _, learners, plan = next(t for t in TENANTS if tenant_u < t[1])
        learner = f"learner-{tenant.split('-')[0]}-{1 + int(learner_u * learners):03d}"
        day = minute.date().isoformat()
        workflow, user, feature = {
            "tutor-api": (f"session-{learner}-{day}-{minute.hour // 2:02d}", learner, _pick(TUTOR_FEATURES, feature_u)),
            "grader": (f"grading-{tenant}-{day}", learner, "essay-grading"),
            "content-pipeline": (f"course-build-{tenant}-{day}", None, "course-generation"),
            "search-indexer": (f"reindex-{tenant}-{day}", None, "semantic-search"),
        }[service]
        late = late_u < self.plan.late_rate + self.plan.requeue_rate
        cache = usage.cached_input + usage.cache_write_5m + usage.cache_write_1h
        return Call(
            provider=provider,
            occurred_at=minute + timedelta(microseconds=int(second_u * 60_000_000)),
            dims=dims,
            model=model,
            usage=usage,
            event_id=event_id,
            source=service,
            spelling={"grader": "users", "content-pipeline": "otel"}.get(service, "canonical"),
            tenant_id=tenant,
            user_id=user,
            workflow_id=workflow,
            feature=feature,
            plan=plan,
            latency_ms=300 + int(20 * usage.output_total * (0.5 + latency_u)),
            recorded=drop_u >= self.plan.drop_rate,
            late_by=timedelta(hours=2 + 118 * delay_u) if late else None,
            requeued=late and late_u >= self.plan.late_rate,
            miscounted=service == "grader"
            and provider == "anthropic"
            and cache > 0
            and miscount_u < self.plan.miscount_rate,
        )

    # -- what the applications send ------------------------------------------------------------
    def deliveries(self) -> list[Delivery]:
        """The requests to record_usage, in send order: per source, a batch every ``flush_seconds``
        (or ``max_batch_events``); late events in the batch of the moment they are sent."""
        slots: dict[tuple[datetime, str], list[tuple[datetime, dict[str, Any]]]] = defaultdict(list)
        width = self.plan.flush_seconds
        for call in self.all_calls:
            if not call.recorded:
                continue
            event = event_body(call)
            sends = [call.occurred_at + timedelta(milliseconds=call.latency_ms)]
            if call.late_by is not None:
                sends = (
                    [*sends, call.occurred_at + call.late_by] if call.requeued else [call.occurred_at + call.late_by]
                )
            for sent in sends:
                sent = min(sent, self.end)
                slot = floor_to(sent, width) + timedelta(seconds=width)
                slots[(slot, call.source)].append((call.occurred_at, event))
        out: list[Delivery] = []
        for (slot, source), events in sorted(slots.items()):
            events.sort(key=lambda e: e[0])
            size = self.plan.max_batch_events
            for i in range(0, len(events), size):
                batch = tuple(e for _, e in events[i : i + size])
                out.append(Delivery(min(slot, self.end), source, batch))
                if self._fraction("resend", slot, source, i) < self.plan.resend_rate:
                    out.append(Delivery(min(slot + timedelta(seconds=30), self.end), source, batch, resend=True))
        out.sort(key=lambda d: (d.sent_at, d.source))
        return out

    def summary(self, deliveries: list[Delivery] | None = None) -> TrafficSummary:
        summary = TrafficSummary()
        for call in self.all_calls:
            summary.calls += 1
            summary.calls_by_provider[call.provider] = summary.calls_by_provider.get(call.provider, 0) + 1
            if not call.recorded:
                summary.never_recorded += 1
                continue
            summary.recorded += 1
            summary.recorded_by_provider[call.provider] = summary.recorded_by_provider.get(call.provider, 0) + 1
            summary.late += call.late_by is not None and not call.requeued
            summary.requeued += call.requeued
            summary.miscounted += call.miscounted
        for delivery in deliveries if deliveries is not None else self.deliveries():
            summary.deliveries += 1
            summary.resent_deliveries += delivery.resend
            summary.events_sent += len(delivery.events)
        return summary


def _call_count(usage: Usage) -> int:
    """Calls in one minute of a usage row: its requests, at least one when it has tokens, at most one
    per input token. (The data set splits an hour's tokens and requests over its active minutes
    independently, so a minute can have tokens and no request: it still takes a call.)"""
    inputs = usage.input_total
    return max(1, min(usage.requests, inputs)) if inputs else 1


def _service(dims: Dims | None, model: str, fraction: float) -> str:
    """Which application made a call: batch jobs build courses and embeddings feed search; the
    platform's keys are shared, so a chat call is the tutor's, the grader's or the course builder's."""
    if dims is not None and dims.batch:
        return "content-pipeline"
    if "embedding" in model:
        return "search-indexer"
    return "tutor-api" if fraction < 0.55 else "grader" if fraction < 0.85 else "content-pipeline"


def _pick(options: tuple[str, ...], fraction: float) -> str:
    return options[bisect.bisect_right([(i + 1) / len(options) for i in range(len(options))], fraction)]


# -- the three spellings -------------------------------------------------------------------------
def event_body(call: Call) -> dict[str, Any]:
    """The event as the call's application sends it, in its source's spelling."""
    u = call.usage
    where = _where(call)
    if call.spelling == "users":
        return _users_spelling(call, where)
    if call.spelling == "otel":
        return _otel_spelling(call, where)
    event: dict[str, Any] = {
        "event_id": call.event_id,
        "response_id": call.event_id if call.request_id is None else None,
        "request_id": call.request_id,
        "source": call.source,
        "occurred_at": call.occurred_at.isoformat(),
        "provider": call.provider,
        "model": call.model,
        **where,
        "input_uncached_tokens": u.uncached_input,
        "input_cached_tokens": u.cached_input,
        "cache_write_5m_tokens": u.cache_write_5m,
        "cache_write_1h_tokens": u.cache_write_1h,
        "input_audio_tokens": u.audio_input,
        "output_tokens": u.output,
        "output_audio_tokens": u.audio_output,
        "reasoning_tokens": u.reasoning or None,
        "web_search_requests": u.web_search_requests,
        "latency_ms": call.latency_ms,
        "tenant_id": call.tenant_id,
        "user_id": call.user_id,
        "service": call.source,
        "workflow_id": call.workflow_id,
        "feature": call.feature,
        "environment": "prod",
        "tags": {"plan": call.plan},
    }
    return {k: v for k, v in event.items() if v is not None}


def _where(call: Call) -> dict[str, Any]:
    """Provider-side keys and tier, as the application knows them from its own configuration."""
    d = call.dims
    if d is None:  # Groq
        return {}
    if call.provider == "azure_openai":
        tier = "provisioned" if d.service_tier == "GlobalProvisionedManaged" else None
        return {"project_id": AZURE_ACCOUNT, "deployment": d.project, "region": AZURE_REGION, "service_tier": tier}
    if call.provider == "aws_bedrock":
        # On-demand Bedrock: the region it calls; no tier asked for (default), and no project: the
        # account-wide Cost Explorer lines name none (the invocation log record carries the account).
        return {"region": d.region}
    where: dict[str, Any] = {"project_id": d.project, "api_key_id": d.api_key, "service_tier": d.service_tier}
    if d.batch:
        where["is_batch"] = True
    if call.provider == "anthropic":
        where["context_window"] = d.context_window
    return where


def _users_spelling(call: Call, where: dict[str, Any]) -> dict[str, Any]:
    """The user's own record: inclusive prompt / completion totals (OpenAI semantics), learner_id. A
    miscounted call has Anthropic's input_tokens (cache excluded) as prompt_tokens: its buckets no
    longer add up to total_tokens, and the event is quarantined."""
    u = call.usage
    writes = u.cache_write_5m + u.cache_write_1h
    prompt = u.input_total - (u.cached_input + writes if call.miscounted else 0)
    event: dict[str, Any] = {
        "openai_request_id" if call.provider != "anthropic" else "response_id": call.event_id,
        "source": call.source,
        "timestamp": call.occurred_at.isoformat(),
        "provider": {"openai": "OpenAI", "anthropic": "Anthropic", "azure_openai": "Azure"}.get(
            call.provider, call.provider
        ),
        "model_used": call.model,
        **{("workspace_id" if k == "project_id" and call.provider == "anthropic" else k): v for k, v in where.items()},
        "prompt_tokens": prompt,
        "cached_tokens": u.cached_input or None,
        "cache_write_tokens": writes or None,
        "cache_write_1h_tokens": u.cache_write_1h or None,
        "input_audio_tokens": u.audio_input or None,
        "completion_tokens": u.output_total,
        "output_audio_tokens": u.audio_output or None,
        "total_tokens": u.tokens,  # the provider's own total, as the response carried it
        "web_search_requests": u.web_search_requests or None,
        "duration_ms": call.latency_ms,
        "tenant": call.tenant_id,
        "learner_id": call.user_id,
        "service_name": call.source,
        "workflow_id": call.workflow_id,
        "feature": call.feature,
        "env": "prod",
        "tags": {"plan": call.plan},
    }
    return {k: v for k, v in event.items() if v is not None}


def _otel_spelling(call: Call, where: dict[str, Any]) -> dict[str, Any]:
    """Flat OpenTelemetry GenAI span attributes (input includes the cache, output the reasoning)."""
    u = call.usage
    writes = u.cache_write_5m + u.cache_write_1h
    system = {"azure_openai": "azure.ai.openai"}.get(call.provider, call.provider)
    event: dict[str, Any] = {
        "gen_ai.response.id": call.event_id,
        "source": call.source,
        "occurred_at": call.occurred_at.isoformat(),
        "gen_ai.provider.name": system,
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": call.model,
        "gen_ai.response.model": call.model,
        **where,
        "gen_ai.usage.input_tokens": u.input_total,
        "gen_ai.usage.cache_read.input_tokens": u.cached_input or None,
        "gen_ai.usage.cache_creation.input_tokens": writes or None,
        "cache_write_1h_tokens": u.cache_write_1h or None,
        "gen_ai.usage.audio.input_tokens": u.audio_input or None,
        "gen_ai.usage.output_tokens": u.output_total,
        "gen_ai.usage.audio.output_tokens": u.audio_output or None,
        "gen_ai.usage.reasoning.output_tokens": u.reasoning or None,
        "web_search_requests": u.web_search_requests or None,
        "tenant_id": call.tenant_id,
        "service.name": call.source,
        "workflow_id": call.workflow_id,
        "feature": call.feature,
        "deployment.environment.name": "prod",
        "server.address": "api.example-llm-gateway.internal",
        "tags": {"plan": call.plan},
    }
    return {k: v for k, v in event.items() if v is not None}
