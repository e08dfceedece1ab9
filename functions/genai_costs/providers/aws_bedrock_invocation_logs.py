"""Amazon Bedrock model invocation logs from CloudWatch Logs: the one per-request record a provider keeps.

Bedrock writes one JSON record per invocation to the log group the account configured (model invocation
logging is off by default; ``invocation_log_group`` in the organization's ``aws_bedrock`` secret names
the group). Read with CloudWatch Logs ``FilterLogEvents`` (boto3 ``logs`` client), ``startTime`` /
``endTime`` in epoch milliseconds, paginated with ``nextToken`` until it is absent: the API may answer
a page with no events and a token while it keeps searching, so an empty page is not the end.

Record shape (``schemaType: "ModelInvocationLog"``): ``schemaVersion``, ``timestamp`` (RFC 3339),
``accountId``, ``region``, ``requestId``, ``operation``, ``modelId``, ``identity.arn``,
``inferenceRegion`` (cross-region profiles), ``errorCode``, ``input.inputTokenCount``,
``input.cacheReadInputTokenCount``, ``input.cacheWriteInputTokenCount``, ``output.outputTokenCount``,
``requestMetadata``. Tokens only, no dollars. Like the CloudWatch metrics (``aws_bedrock.py``) the
input count is taken as excluding cache reads and writes (the Converse ``inputTokens`` semantics);
``input_includes_cache=True`` subtracts them instead, and the cache-write TTL is ``cache_write_ttl``.

A log event whose message is not such a record (not JSON, another schema, a field missing or of the
wrong type, a negative count) is yielded as :class:`QuarantinedInvocation` with the reason, never
dropped. Window membership and ``usage_date`` come from the log event's own ``timestamp`` (the field
``FilterLogEvents`` filters on), so every event belongs to exactly one window.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from genai_costs.errors import ConfigurationError, ProviderResponseError
from genai_costs.model.window import Window
from genai_costs.providers.aws_bedrock import PROVIDER, AwsBedrockClient
from genai_costs.providers.base import ResponseModel, unix_seconds

SOURCE = "aws.invocation_logs"
MAX_PAGE_EVENTS = 10_000  # FilterLogEvents' own maximum


# -- FilterLogEvents response ---------------------------------------------------------------------
class FilteredLogEvent(ResponseModel):
    logStreamName: str | None = None
    timestamp: int
    message: str
    ingestionTime: int | None = None
    eventId: str


class FilterLogEventsPage(ResponseModel):
    events: list[FilteredLogEvent] = []
    nextToken: str | None = None


# -- the log record -----------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Identity(_Strict):
    arn: str | None = None


class _Input(_Strict):
    inputTokenCount: int = Field(ge=0, le=2**63 - 1, strict=True)
    cacheReadInputTokenCount: int = Field(0, ge=0, le=2**63 - 1, strict=True)
    cacheWriteInputTokenCount: int = Field(0, ge=0, le=2**63 - 1, strict=True)


class _Output(_Strict):
    outputTokenCount: int = Field(ge=0, le=2**63 - 1, strict=True)


class ModelInvocationLog(_Strict):
    """The fields of a Bedrock model invocation log record this project uses (bodies are ignored)."""

    schemaType: Literal["ModelInvocationLog"]
    schemaVersion: str = Field(min_length=1)
    timestamp: datetime
    accountId: str = Field(min_length=1)
    region: str = Field(min_length=1)
    requestId: str = Field(min_length=1)
    operation: str | None = None
    modelId: str = Field(min_length=1)
    identity: _Identity | None = None
    inferenceRegion: str | None = None
    errorCode: str | None = None
    input: _Input
    output: _Output


class InvocationRecord(BaseModel):
    """One invocation, its tokens split into the disjoint categories the pricing engine prices."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = PROVIDER
    source: str = SOURCE
    usage_date: date
    logged_at: datetime
    occurred_at: datetime
    request_id: str
    account_id: str
    region: str
    inference_region: str | None
    operation: str | None
    model: str
    identity_arn: str | None
    service_tier: str | None
    schema_version: str
    error_code: str | None
    input_token_count: int
    input_uncached_tokens: int
    input_cached_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    output_tokens: int
    log_stream: str | None
    log_event_id: str

    def record_id(self) -> str:
        """One row per request: Bedrock's requestId within the account (a log event served twice is one row)."""
        return _digest("invocation", self.account_id, self.request_id)


class QuarantinedInvocation(BaseModel):
    """A log event that is not a usable invocation record, with the reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = PROVIDER
    source: str = SOURCE
    usage_date: date
    reason: str
    record: dict[str, Any]

    def record_id(self) -> str:
        return _digest("log-event", str(self.record.get("eventId")))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _describe(exc: PydanticValidationError) -> str:
    # Locations and messages only: the input may be a prompt or a response body.
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False)
    )


def _ms(d: date) -> int:
    return unix_seconds(d) * 1000


class BedrockInvocationLogClient(AwsBedrockClient):
    """Reads one window of model invocation records from the organization's invocation log group."""

    _logs: Any = None

    @property
    def log_group(self) -> str:
        group = self.credentials.invocation_log_group
        if not group:
            raise ConfigurationError(
                f"{PROVIDER}: secret '{self.secret_name}' names no invocation_log_group: set it to the CloudWatch "
                "Logs group Bedrock model invocation logging writes to"
            )
        return group

    @property
    def logs(self) -> Any:
        if self._logs is None:
            self._logs = self._session().client(
                "logs",
                region_name=self.credentials.region,
                endpoint_url=self.credentials.logs_endpoint_url,
                config=self._config(),
            )
        return self._logs

    def iter_log_events(self, window: Window) -> Iterator[FilteredLogEvent]:
        """Every log event of the window, page by page (``endTime`` is inclusive: the last millisecond)."""
        base: dict[str, Any] = {
            "logGroupName": self.log_group,
            "startTime": _ms(window.start),
            "endTime": _ms(window.end) - 1,
            "limit": MAX_PAGE_EVENTS,
        }
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(self.retrier.policy.max_pages):
            kw = base | ({"nextToken": cursor} if cursor else {})

            def filter_page(kw: dict[str, Any] = kw) -> Any:
                return self.logs.filter_log_events(**kw)

            page = self._call("logs:FilterLogEvents", filter_page, FilterLogEventsPage)
            yield from page.events
            if not page.nextToken:
                return
            if page.nextToken in seen:
                raise ProviderResponseError(f"{PROVIDER}: FilterLogEvents repeated a nextToken", provider=PROVIDER)
            seen.add(cursor := page.nextToken)
        raise ProviderResponseError(
            f"{PROVIDER}: FilterLogEvents gave more than {self.retrier.policy.max_pages} pages; giving up",
            provider=PROVIDER,
        )

    def iter_invocations(self, window: Window) -> Iterator[InvocationRecord | QuarantinedInvocation]:
        for event in self.iter_log_events(window):
            logged_at = datetime.fromtimestamp(event.timestamp / 1000, tz=UTC)
            if not window.start <= logged_at.date() < window.end:
                raise ProviderResponseError(
                    f"{PROVIDER}: FilterLogEvents returned an event of {logged_at.isoformat()}, outside the window "
                    f"[{window.start}, {window.end})",
                    provider=PROVIDER,
                )
            yield self.parse(event, logged_at)

    def parse(self, event: FilteredLogEvent, logged_at: datetime) -> InvocationRecord | QuarantinedInvocation:
        try:
            body = json.loads(event.message)
        except ValueError:
            return self._quarantine(event, logged_at, "message is not JSON")
        if not isinstance(body, dict):
            return self._quarantine(event, logged_at, "message is not a JSON object")
        try:
            log = ModelInvocationLog.model_validate(body)
        except PydanticValidationError as exc:
            return self._quarantine(event, logged_at, f"not a usable ModelInvocationLog record: {_describe(exc)}")
        read, write = log.input.cacheReadInputTokenCount, log.input.cacheWriteInputTokenCount
        uncached = log.input.inputTokenCount - (read + write if self.options.input_includes_cache else 0)
        if uncached < 0:
            return self._quarantine(
                event, logged_at, "input.inputTokenCount is smaller than the cache reads and writes it should include"
            )
        occurred = log.timestamp if log.timestamp.tzinfo else log.timestamp.replace(tzinfo=UTC)
        return InvocationRecord(
            usage_date=logged_at.date(),
            logged_at=logged_at,
            occurred_at=occurred.astimezone(UTC),
            request_id=log.requestId,
            account_id=log.accountId,
            region=log.region,
            inference_region=log.inferenceRegion,
            operation=log.operation,
            model=log.modelId,
            identity_arn=log.identity.arn if log.identity else None,
            # A provisioned model's invocations are paid by its commitment (as in the metrics client).
            service_tier="provisioned" if ":provisioned-model/" in log.modelId else None,
            schema_version=log.schemaVersion,
            error_code=log.errorCode,
            input_token_count=log.input.inputTokenCount,
            input_uncached_tokens=uncached,
            input_cached_tokens=read,
            cache_write_5m_tokens=write if self.options.cache_write_ttl == "5m" else 0,
            cache_write_1h_tokens=write if self.options.cache_write_ttl == "1h" else 0,
            output_tokens=log.output.outputTokenCount,
            log_stream=event.logStreamName,
            log_event_id=event.eventId,
        )

    @staticmethod
    def _quarantine(event: FilteredLogEvent, logged_at: datetime, reason: str) -> QuarantinedInvocation:
        return QuarantinedInvocation(
            usage_date=logged_at.date(),
            reason=reason,
            # The message is kept cut short: a record carries prompts and responses.
            record={
                "eventId": event.eventId,
                "logStreamName": event.logStreamName,
                "timestamp": event.timestamp,
                "message": event.message[:2000],
            },
        )

    def close(self) -> None:
        super().close()
        if self._logs is not None:
            self._logs.close()
