"""What each channel's secret holds, read from the secret store by id at every attempt (so a
rotated secret takes effect on the next retry).

    slack    {"webhook_url": "https://hooks.slack.com/services/…"}  (or the bare URL)
    email    {"api_key": "SG.…", "base_url": "https://api.sendgrid.com"}
    sms      {"account_sid": "AC…", "auth_token": "…", "base_url": "https://api.twilio.com"}
    webhook  {"url": "https://…", "signing_secret": "whsec_<base64>"}

``base_url`` is optional (the provider's own API by default); the embedded run points it at the
simulator. URLs must be https, except on the loopback interface. Problems are reported by secret id
and field name only: no message, log line or exception here ever carries a value.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from typing import TypeVar

import httpx
from google.api_core.exceptions import GoogleAPIError
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError

from ..errors import ConfigurationError, SecretError, SecretNotFoundError
from ..logs import register_secret
from ..secrets import SecretStore
from .base import ChannelKind, PermanentFailure, Retryable

C = TypeVar("C", bound="ChannelCredentials")

WEBHOOK_SECRET_PREFIX = "whsec_"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str, *, secret: bool = False) -> str:
    """https anywhere, plain http only on loopback (the local fakes). Never echoes the URL; a
    ``secret`` URL is also registered with the log filter in its normalized form (what httpx logs)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError("not a valid URL") from exc
    if not parsed.host:
        raise ValueError("URL has no host")
    if parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback(parsed.host)):
        if secret:
            register_secret(str(parsed))
        return url
    raise ValueError("URL must use https (plain http only on the loopback interface)")


class ChannelCredentials(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class SlackCredentials(ChannelCredentials):
    webhook_url: SecretStr

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: SecretStr) -> SecretStr:
        check_endpoint_url(value.get_secret_value(), secret=True)
        return value


class SendGridCredentials(ChannelCredentials):
    api_key: SecretStr = Field(min_length=8)
    base_url: str = "https://api.sendgrid.com"

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return check_endpoint_url(value)


class TwilioCredentials(ChannelCredentials):
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: SecretStr = Field(min_length=8)
    base_url: str = "https://api.twilio.com"

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return check_endpoint_url(value)


class WebhookCredentials(ChannelCredentials):
    url: SecretStr
    signing_secret: SecretStr

    @field_validator("url")
    @classmethod
    def _url(cls, value: SecretStr) -> SecretStr:
        check_endpoint_url(value.get_secret_value(), secret=True)
        return value

    @field_validator("signing_secret")
    @classmethod
    def _whsec(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value()
        if not raw.startswith(WEBHOOK_SECRET_PREFIX):
            raise ValueError(f"signing secret must start with {WEBHOOK_SECRET_PREFIX!r}")
        try:
            key = base64.b64decode(raw[len(WEBHOOK_SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("signing secret must be whsec_ followed by base64") from exc
        if not 24 <= len(key) <= 64:  # the spec's range for symmetric secrets
            raise ValueError("signing secret must decode to 24..64 bytes")
        return value


def load_credentials(store: SecretStore, secret_id: str, model: type[C]) -> C:
    """Read and validate a channel secret. SecretError / ConfigurationError name the secret only."""
    raw = store.get(secret_id)  # registers the value with the log filter
    try:
        data = json.loads(raw) if raw.lstrip().startswith("{") else None
    except ValueError:
        raise ConfigurationError(f"secret {secret_id} is not valid JSON") from None
    if data is None:
        if model is not SlackCredentials:
            raise ConfigurationError(f"secret {secret_id} must be a JSON object")
        data = {"webhook_url": raw.strip()}  # people paste the bare Slack URL
    if not isinstance(data, dict):
        raise ConfigurationError(f"secret {secret_id} must be a JSON object")
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<value>'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False, include_context=False)[:5]
        )
        raise ConfigurationError(f"secret {secret_id} is not usable for this channel: {problems}") from None


def read_channel_credentials(
    store: SecretStore, secret_id: str, model: type[C], channel: ChannelKind
) -> C | PermanentFailure | Retryable:
    """Credentials, or the outcome of not having them: a missing or malformed secret will not fix
    itself by retrying; a secret store that is briefly unreachable will."""
    try:
        return load_credentials(store, secret_id, model)
    except SecretNotFoundError:
        return PermanentFailure(f"{channel}: secret {secret_id} not found or has no version")
    except (SecretError, ConfigurationError) as exc:
        return PermanentFailure(f"{channel}: {exc}")
    except (GoogleAPIError, OSError) as exc:
        return Retryable(f"{channel}: reading secret {secret_id} failed ({type(exc).__name__})")
