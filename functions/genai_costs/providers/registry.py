"""Build a provider client from the parsed JSON of an organization's secret.

Secret contents per provider (keys not listed are rejected; ``SecretStr`` fields never print):

    openai        {"admin_api_key": "sk-admin-...", "base_url": "https://api.openai.com/v1"?}
    anthropic     {"admin_api_key": "sk-ant-admin01-...", "base_url": "https://api.anthropic.com"?}
    azure_openai  {"tenant_id", "client_id", "client_secret", "subscription_id", "resource_group",
                   "account_name", "cost_scope"?, "arm_base_url"?, "login_base_url"?, "access_token"?,
                   "retail_prices_base_url"?}
    aws_bedrock   {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"?, "region"?,
                   "cloudwatch_endpoint_url"?, "ce_endpoint_url"?, "bedrock_endpoint_url"?,
                   "logs_endpoint_url"?, "invocation_log_group"?}
    vertex_ai,    {"project_id", "billing_export_table"?, "service_account_info"? | "access_token"?,
    gemini         "monitoring_base_url"?, "bigquery_api_endpoint"?, "aiplatform_base_url"?}
                   (no auth key = the function's own identity, the default; a key file only as an option)

(``?`` = optional.) Non-secret tuning (bucket width, model ids, cost services, ...) goes in
``options``, validated by the provider's ``*Options`` model.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from genai_costs.errors import ConfigurationError
from genai_costs.model.provider_catalog import PROVIDER_IDS
from genai_costs.model.provider_catalog import provider as catalog_entry
from genai_costs.providers.base import CredentialsModel, ProviderClient, parse_credentials
from genai_costs.providers.http import RetryPolicy


class _ClientClass(Protocol):
    credentials_model: type[CredentialsModel]

    def from_secret(
        self, data: Any, *, secret_name: str, options: Mapping[str, Any] | None = None, **kw: Any
    ) -> ProviderClient: ...


def client_class(provider: str) -> _ClientClass:
    """The client class the catalog names for ``provider``, imported on first use (so importing
    the registry does not import boto3 / google-cloud up front)."""
    if provider not in PROVIDER_IDS:
        raise ConfigurationError(f"unknown provider {provider!r}; expected one of {sorted(PROVIDER_IDS)}")
    module, _, name = catalog_entry(provider).client.partition(":")
    cls: _ClientClass = getattr(importlib.import_module(module), name)
    return cls


def build_client(
    provider: str,
    credentials: Mapping[str, Any],
    *,
    secret_name: str,
    http: httpx.Client | None = None,
    options: Mapping[str, Any] | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ProviderClient:
    """Validate ``credentials`` (SecretError naming ``secret_name`` if invalid) and build the client.

    ``http`` is used by the HTTP providers (ignored by aws_bedrock, which uses boto3); point a
    provider at a simulator with the ``base_url`` / ``*_endpoint_url`` keys of its credentials.
    """
    cls = client_class(provider)
    kwargs: dict[str, Any] = {"secret_name": secret_name, "options": options, "retry": retry, "sleep": sleep}
    if catalog_entry(provider).client_takes_http:
        kwargs["http"] = http
    return cls.from_secret(credentials, **kwargs)


def credentials_model(provider: str) -> type[CredentialsModel]:
    return client_class(provider).credentials_model


def validate_credentials(provider: str, data: Any, *, secret_name: str) -> None:
    """SecretError naming ``secret_name`` and each missing, unknown or malformed field (never a value)
    unless ``data`` is what ``provider``'s client accepts; checked when a secret is stored."""
    parse_credentials(credentials_model(provider), data, provider=provider, secret_name=secret_name)
