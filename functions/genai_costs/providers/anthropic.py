"""Anthropic Admin API: usage report (messages) and cost report.

Auth headers ``x-api-key: <admin key>`` and ``anthropic-version: 2023-06-01``. Times are RFC 3339
(``starting_at`` / ``ending_at``), arrays are bracketed (``group_by[]=model&group_by[]=workspace_id``),
cursor ``page`` = previous ``next_page``.

Attributable (usage): model, workspace (``workspace_id`` null = default workspace), API key
(``api_key_id`` null = usage not made with an API key, e.g. console), service tier, context window.
Not available: request counts (the report has none, ``requests`` stays None).

Token categories (cost-accuracy trap: there is NO scalar ``cache_creation_input_tokens`` in the
report; writes are nested):
    uncached_input_tokens                        -> input_uncached_tokens
    cache_creation.ephemeral_5m_input_tokens     -> cache_write_5m_tokens
    cache_creation.ephemeral_1h_input_tokens     -> cache_write_1h_tokens
    cache_read_input_tokens                      -> input_cached_tokens
    output_tokens (includes thinking)            -> output_tokens
    server_tool_use.web_search_requests          -> web_search_requests
The report has no total field, so provider_total_tokens is the sum of those five provider fields and
the invariant is trivially true for this source (it still catches negative values).
``is_batch`` = ``service_tier == "batch"``.

Costs: ``amount`` is a decimal string in cents (``"123.45"`` = $1.2345); converted exactly with
``Decimal.scaleb(-2)``. Priority Tier costs never appear in the cost report (documented), and costs
cannot be split per API key. No "estimated" flag exists; records carry ``is_estimated=False``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pydantic import Field

from genai_costs.model.records import BucketWidth, CostRecord, UsageRecord
from genai_costs.model.window import Window
from genai_costs.providers.admin_api_client import AdminApiClientBase, AdminCredentials, CursorPage
from genai_costs.providers.base import (
    OptionsModel,
    ResponseModel,
    parse_rfc3339,
    rfc3339,
)

PROVIDER = "anthropic"
API_VERSION = "2023-06-01"
MAX_LIMIT = {"1m": 1440, "1h": 168, "1d": 31}


class AnthropicCredentials(AdminCredentials):
    base_url: str = "https://api.anthropic.com"


class AnthropicOptions(OptionsModel):
    bucket_width: BucketWidth = "1h"
    usage_group_by: tuple[str, ...] = ("model", "workspace_id", "api_key_id", "service_tier", "context_window")
    cost_group_by: tuple[str, ...] = ("workspace_id", "description")
    cost_limit: int = Field(default=31, ge=1, le=31)
    user_agent: str = "genai-costs/0.1"


class CacheCreation(ResponseModel):
    ephemeral_5m_input_tokens: int = 0
    ephemeral_1h_input_tokens: int = 0


class ServerToolUse(ResponseModel):
    web_search_requests: int | None = None


class UsageResult(ResponseModel):
    uncached_input_tokens: int
    cache_creation: CacheCreation | None = None
    cache_read_input_tokens: int = 0
    output_tokens: int
    server_tool_use: ServerToolUse | None = None
    api_key_id: str | None = None
    workspace_id: str | None = None
    model: str | None = None
    service_tier: str | None = None
    context_window: str | None = None
    inference_geo: str | None = None


class UsageBucket(ResponseModel):
    starting_at: str
    ending_at: str
    results: list[UsageResult] = []


class UsagePage(CursorPage):
    data: list[UsageBucket]


class CostResult(ResponseModel):
    amount: Decimal  # decimal string, lowest currency unit (cents)
    currency: str
    workspace_id: str | None = None
    description: str | None = None
    cost_type: str | None = None
    context_window: str | None = None
    model: str | None = None
    service_tier: str | None = None
    token_type: str | None = None


class CostBucket(ResponseModel):
    starting_at: str
    ending_at: str
    results: list[CostResult] = []


class CostPage(CursorPage):
    data: list[CostBucket]


def normalize_usage(result: UsageResult, *, starting_at: str, bucket_width: BucketWidth) -> UsageRecord:
    cc = result.cache_creation or CacheCreation()
    tools = result.server_tool_use
    provider_total = (
        result.uncached_input_tokens
        + cc.ephemeral_5m_input_tokens
        + cc.ephemeral_1h_input_tokens
        + result.cache_read_input_tokens
        + result.output_tokens
    )
    return UsageRecord(
        provider=PROVIDER,
        source="anthropic.usage_report.messages",
        bucket_start=parse_rfc3339(starting_at),
        bucket_width=bucket_width,
        model=result.model,
        region=result.inference_geo,
        service_tier=result.service_tier,
        is_batch=None if result.service_tier is None else result.service_tier == "batch",
        project_id=result.workspace_id,
        api_key_id=result.api_key_id,
        context_window=result.context_window,
        input_uncached_tokens=result.uncached_input_tokens,
        input_cached_tokens=result.cache_read_input_tokens,
        cache_write_5m_tokens=cc.ephemeral_5m_input_tokens,
        cache_write_1h_tokens=cc.ephemeral_1h_input_tokens,
        output_tokens=result.output_tokens,
        requests=None,
        web_search_requests=tools.web_search_requests if tools else None,
        provider_total_tokens=provider_total,
    )


def cents_to_major(amount: Decimal) -> Decimal:
    """Exact: shifts the decimal point, no rounding context involved."""
    return amount.scaleb(-2)


class AnthropicClient(AdminApiClientBase[AnthropicCredentials, AnthropicOptions]):
    provider = PROVIDER
    credentials_model = AnthropicCredentials
    options_model = AnthropicOptions

    def _headers(self) -> dict[str, str]:
        return {
            "x-api-key": self.credentials.admin_api_key.get_secret_value(),
            "anthropic-version": API_VERSION,
            "user-agent": self.options.user_agent,
        }

    def iter_usage(self, window: Window) -> Iterator[UsageRecord]:
        width = self.options.bucket_width
        params = {
            "starting_at": rfc3339(window.start_dt),
            "ending_at": rfc3339(window.end_dt),
            "bucket_width": width,
            "group_by[]": list(self.options.usage_group_by),
            "limit": MAX_LIMIT[width],
        }
        for page in self._pages("/v1/organizations/usage_report/messages", params, UsagePage):
            for bucket in page.data:
                for result in bucket.results:
                    yield normalize_usage(result, starting_at=bucket.starting_at, bucket_width=width)

    def iter_costs(self, window: Window) -> Iterator[CostRecord]:
        params = {
            "starting_at": rfc3339(window.start_dt),
            "ending_at": rfc3339(window.end_dt),
            "bucket_width": "1d",
            "group_by[]": list(self.options.cost_group_by),
            "limit": self.options.cost_limit,
        }
        for page in self._pages("/v1/organizations/cost_report", params, CostPage):
            for bucket in page.data:
                day = parse_rfc3339(bucket.starting_at).date()
                for r in bucket.results:
                    yield CostRecord(
                        provider=PROVIDER,
                        source="anthropic.cost_report",
                        usage_date=day,
                        model=r.model,
                        project_id=r.workspace_id,
                        line_item=r.description,
                        token_type=r.token_type,
                        service_tier=r.service_tier,
                        amount=cents_to_major(r.amount),
                        currency=r.currency,
                        is_estimated=False,
                    )
