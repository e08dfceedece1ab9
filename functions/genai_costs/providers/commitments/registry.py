"""Build the commitment source of a commitment type from an organization's provider secret."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from genai_costs.errors import ConfigurationError
from genai_costs.model.subscriptions import Subscription
from genai_costs.providers.commitments.base import CommitmentSource
from genai_costs.providers.http import RetryPolicy

COMMITMENT_PROVIDERS = {
    "azure_ptu": "azure_openai",
    "bedrock_pt": "aws_bedrock",
    "vertex_gsu": "vertex_ai",
    "vertex_gpu": "vertex_ai",
}


class _SourceClass(Protocol):
    def from_secret(
        self, data: Any, *, secret_name: str, options: Mapping[str, Any] | None = None, **kw: Any
    ) -> CommitmentSource: ...


def build_commitment_source(
    commitment_type: str,
    credentials: Mapping[str, Any],
    *,
    secret_name: str,
    subscriptions: Sequence[Subscription] = (),
    http: httpx.Client | None = None,
    options: Mapping[str, Any] | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] | None = None,
    **extra: Any,
) -> CommitmentSource:
    """Validate ``credentials`` (SecretError naming ``secret_name``) and build the source."""
    # Imported here so that importing the registry does not import boto3 / google-cloud up front.
    from genai_costs.providers.commitments import azure_ptu, bedrock_pt, vertex_gpu, vertex_gsu

    sources: dict[str, _SourceClass] = {
        "azure_ptu": azure_ptu.AzurePtuSource,
        "bedrock_pt": bedrock_pt.BedrockPtSource,
        "vertex_gsu": vertex_gsu.VertexGsuSource,
        "vertex_gpu": vertex_gpu.VertexGpuSource,
    }
    if commitment_type not in sources:
        raise ConfigurationError(f"unknown commitment type {commitment_type!r}; expected one of {sorted(sources)}")
    return sources[commitment_type].from_secret(
        credentials,
        secret_name=secret_name,
        subscriptions=list(subscriptions),
        http=http,
        options=options,
        retry=retry,
        sleep=sleep,
        now=now or (lambda: datetime.now(UTC)),
        **extra,
    )
