"""Value types of the synthetic usage data set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime

# Disjoint token categories; `output` includes reasoning tokens (billed as output everywhere).
CATEGORIES = (
    "uncached_input",
    "cached_input",
    "cache_write_5m",
    "cache_write_1h",
    "output",
    "audio_input",
    "audio_output",
)


@dataclass(frozen=True, order=True)
class Dims:
    """Where a usage row belongs.  `project` is the provider's scope: OpenAI project, Anthropic
    workspace (None = default workspace), Azure deployment, AWS account, GCP project."""

    model: str
    project: str | None
    api_key: str | None  # None = usage without an API key (Anthropic console)
    user: str | None
    service_tier: str
    batch: bool
    region: str
    context_window: str = "0-200k"
    # Capacity commitments (provider_sim.commitments): "payg" (pay-as-you-go), "provisioned" (served
    # by a commitment, tokens cost nothing extra) or "spillover" (demand above the commitment's
    # capacity, billed pay-as-you-go). ``capacity_id`` names the commitment for provisioned rows.
    traffic: str = "payg"
    capacity_id: str = ""


@dataclass(frozen=True)
class Usage:
    uncached_input: int = 0
    cached_input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    output: int = 0
    reasoning: int = 0  # subset of output, reported separately by nobody's usage API
    audio_input: int = 0
    audio_output: int = 0
    requests: int = 0
    web_search_requests: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Usage)))

    def map(self, fn: Callable[[int], int]) -> Usage:
        return Usage(*(fn(getattr(self, f.name)) for f in fields(Usage)))

    @property
    def input_total(self) -> int:
        """All input incl. cached, cache writes and audio (OpenAI `input_tokens` semantics)."""
        return self.uncached_input + self.cached_input + self.cache_write_5m + self.cache_write_1h + self.audio_input

    @property
    def output_total(self) -> int:
        return self.output + self.audio_output

    @property
    def tokens(self) -> int:
        """Every token the request consumed (what provisioned capacity is measured in)."""
        return self.input_total + self.output_total

    def minus(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(Usage)))

    def is_zero(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(Usage))


@dataclass(frozen=True)
class UsageRow:
    provider: str
    start: datetime
    dims: Dims
    usage: Usage
