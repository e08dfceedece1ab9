"""OpenAI organization Usage and Costs APIs (admin API key, Bearer auth).

Usage: ``GET {base_url}/organization/usage/completions`` (and ``/embeddings``), Unix-second
``start_time``/``end_time``, ``bucket_width`` 1h by default (1m/1d configurable), repeated-key arrays
(``group_by=model&group_by=project_id``), cursor ``page`` = previous ``next_page``.

Attributable: per model, project, API key, batch flag and service tier (completions); per model,
project and API key (embeddings). Not attributable: per end user (``user_id`` is not grouped by
default to keep row counts bounded), reasoning tokens (counted inside ``output_tokens``).

Token categories (cost-accuracy trap: ``input_tokens`` already INCLUDES cached tokens):
  * provider_total_tokens = ``input_tokens + output_tokens`` (the provider's own totals).
  * new shape (2026-08 spec, ``input_uncached_tokens`` present): uncached = input_uncached_tokens,
    minus ``input_audio_tokens`` when ``uncached_includes_audio`` (default True) [?: the spec does
    not say whether uncached includes audio; configurable; if wrong, the invariant check catches it].
  * old shape: uncached = input_tokens - input_cached_tokens - input_cache_write_tokens - input_audio_tokens.
  * cache writes go to ``cache_write_5m_tokens`` [?: OpenAI does not publish a TTL for them].
  * output = output_tokens - output_audio_tokens (images and reasoning stay in output).

Costs: ``GET /organization/costs`` (1d only, ``group_by=line_item&group_by=project_id``), amount in
major units, lowercase currency. ``line_item`` is opaque; strings like ``"gpt-4o-2024-08-06, input"``
are split into model / token type heuristically [S] and the raw string is kept in ``line_item``.
The API has no "estimated" flag; records are marked ``is_estimated=False`` [?: lateness undocumented,
re-pull a trailing window].
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import Field

from genai_costs.model.records import BucketWidth, CostRecord, UsageRecord
from genai_costs.model.window import Window
from genai_costs.providers.admin_api_client import AdminApiClientBase, AdminCredentials, CursorPage
from genai_costs.providers.base import (
    OptionsModel,
    ResponseModel,
    from_unix,
    unix_seconds,
)

PROVIDER = "openai"
MAX_LIMIT = {"1m": 1440, "1h": 168, "1d": 31}


class OpenAICredentials(AdminCredentials):
    base_url: str = "https://api.openai.com/v1"


class OpenAIOptions(OptionsModel):
    bucket_width: BucketWidth = "1h"
    completions_group_by: tuple[str, ...] = ("model", "project_id", "api_key_id", "batch", "service_tier")
    embeddings_group_by: tuple[str, ...] = ("model", "project_id", "api_key_id")
    include_embeddings: bool = True
    uncached_includes_audio: bool = True  # [?] see module docstring
    costs_group_by: tuple[str, ...] = ("line_item", "project_id")
    # Daily buckets per costs page. The API allows 180; 31 keeps one page (all line items of
    # every project for those days) small, so memory does not grow with the window.
    costs_limit: int = Field(default=31, ge=1, le=180)


# -- response models (field names as in the OpenAPI spec) -------------------------------------
class UsageResult(ResponseModel):
    object: str | None = None
    input_tokens: int
    output_tokens: int = 0  # embeddings results have no output_tokens
    input_cached_tokens: int | None = None
    input_cache_write_tokens: int | None = None
    input_uncached_tokens: int | None = None
    input_audio_tokens: int | None = None
    output_audio_tokens: int | None = None
    num_model_requests: int | None = None
    project_id: str | None = None
    user_id: str | None = None
    api_key_id: str | None = None
    model: str | None = None
    batch: bool | None = None
    service_tier: str | None = None


class UsageBucket(ResponseModel):
    object: str | None = None
    start_time: int
    end_time: int
    results: list[UsageResult] = []


class UsagePage(CursorPage):
    object: str | None = None
    data: list[UsageBucket]


class Amount(ResponseModel):
    value: Decimal  # a JSON number; strings accepted defensively [S]
    currency: str


class CostResult(ResponseModel):
    object: str | None = None
    amount: Amount
    line_item: str | None = None
    project_id: str | None = None
    api_key_id: str | None = None
    quantity: Decimal | None = None
    quantity_unit: str | None = None


class CostBucket(ResponseModel):
    start_time: int
    end_time: int
    results: list[CostResult] = []


class CostPage(CursorPage):
    data: list[CostBucket]


def normalize_completions(
    result: UsageResult,
    *,
    bucket_start_unix: int,
    bucket_width: BucketWidth,
    source: str,
    uncached_includes_audio: bool,
) -> UsageRecord:
    cached = result.input_cached_tokens or 0
    write = result.input_cache_write_tokens or 0
    audio_in = result.input_audio_tokens or 0
    audio_out = result.output_audio_tokens or 0
    if result.input_uncached_tokens is not None:
        uncached = result.input_uncached_tokens - (audio_in if uncached_includes_audio else 0)
    else:
        uncached = result.input_tokens - cached - write - audio_in
    return UsageRecord(
        provider=PROVIDER,
        source=source,
        bucket_start=from_unix(bucket_start_unix),
        bucket_width=bucket_width,
        model=result.model,
        service_tier=result.service_tier,
        is_batch=result.batch,
        project_id=result.project_id,
        api_key_id=result.api_key_id,
        input_uncached_tokens=uncached,
        input_cached_tokens=cached,
        cache_write_5m_tokens=write,
        input_audio_tokens=audio_in,
        output_tokens=result.output_tokens - audio_out,
        output_audio_tokens=audio_out,
        requests=result.num_model_requests,
        provider_total_tokens=result.input_tokens + result.output_tokens,
    )


def split_line_item(line_item: str | None) -> tuple[str | None, str | None]:
    """``"gpt-4o-2024-08-06, input"`` -> ("gpt-4o-2024-08-06", "input"); anything else -> (None, None)."""
    if not line_item or ", " not in line_item:
        return None, None
    model, _, kind = line_item.rpartition(", ")
    return (model.strip() or None), (kind.strip() or None)


class OpenAIClient(AdminApiClientBase[OpenAICredentials, OpenAIOptions]):
    provider = PROVIDER
    credentials_model = OpenAICredentials
    options_model = OpenAIOptions

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credentials.admin_api_key.get_secret_value()}"}

    def _usage_params(self, window: Window, group_by: tuple[str, ...]) -> dict[str, Any]:
        width = self.options.bucket_width
        return {
            "start_time": unix_seconds(window.start_dt),
            "end_time": unix_seconds(window.end_dt),
            "bucket_width": width,
            "group_by": list(group_by),
            "limit": MAX_LIMIT[width],
        }

    def iter_usage(self, window: Window) -> Iterator[UsageRecord]:
        endpoints = [("completions", self.options.completions_group_by)]
        if self.options.include_embeddings:
            endpoints.append(("embeddings", self.options.embeddings_group_by))
        for name, group_by in endpoints:
            for page in self._pages(f"/organization/usage/{name}", self._usage_params(window, group_by), UsagePage):
                for bucket in page.data:
                    for result in bucket.results:
                        yield normalize_completions(
                            result,
                            bucket_start_unix=bucket.start_time,
                            bucket_width=self.options.bucket_width,
                            source=f"openai.usage.{name}",
                            uncached_includes_audio=self.options.uncached_includes_audio,
                        )

    def iter_costs(self, window: Window) -> Iterator[CostRecord]:
        params = {
            "start_time": unix_seconds(window.start_dt),
            "end_time": unix_seconds(window.end_dt),
            "bucket_width": "1d",
            "group_by": list(self.options.costs_group_by),
            "limit": self.options.costs_limit,
        }
        for page in self._pages("/organization/costs", params, CostPage):
            for bucket in page.data:
                day = from_unix(bucket.start_time).date()
                for r in bucket.results:
                    model, token_type = split_line_item(r.line_item)
                    yield CostRecord(
                        provider=PROVIDER,
                        source="openai.costs",
                        usage_date=day,
                        model=model,
                        project_id=r.project_id,
                        line_item=r.line_item,
                        token_type=token_type,
                        amount=r.amount.value,
                        currency=r.amount.currency,
                        is_estimated=False,
                    )
