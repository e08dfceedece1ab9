"""Build the commitment source of a commitment type from an organization's provider secret."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from genai_costs.errors import ConfigurationError
from genai_costs.model.provider_catalog import COMMITMENT_TYPES
from genai_costs.model.subscriptions import Subscription
from genai_costs.providers.commitments.base import CommitmentSource
from genai_costs.providers.http import RetryPolicy

# commitment type -> provider, from the provider catalog.
COMMITMENT_PROVIDERS = {c.id: c.provider for c in COMMITMENT_TYPES}


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
    sources = {c.id: c.source for c in COMMITMENT_TYPES}
    if commitment_type not in sources:
        raise ConfigurationError(f"unknown commitment type {commitment_type!r}; expected one of {sorted(sources)}")
    # Imported on first use: each source module pulls in its provider's SDK.
    module: _SourceClass = importlib.import_module(sources[commitment_type])
    return module.from_secret(
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
