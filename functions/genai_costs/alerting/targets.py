"""Where an alert goes: the non-secret part of a channel, as a budget stores it.

Everything secret (webhook URLs, API keys, auth tokens, signing secrets) lives in the secret store
under ``secret_id``; see :mod:`genai_costs.alerting.credentials` for what each secret holds. A
target's ``key`` identifies it inside a delivery key without exposing recipients: e-mail addresses
and phone numbers enter it only as a short hash.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import email_validator  # noqa: F401  # pydantic's EmailStr imports it on first use: a declared dependency
from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

SecretId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,255}$")]
E164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{1,14}$")]
TopicId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$")]


def _short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


class _Target(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SlackTarget(_Target):
    """A Slack incoming webhook; its URL (itself a credential) is the secret."""

    kind: Literal["slack"] = "slack"
    secret_id: SecretId

    @property
    def key(self) -> str:
        return f"slack:{self.secret_id}"


class EmailTarget(_Target):
    """E-mail through SendGrid; one message per recipient, so recipients do not see each other."""

    kind: Literal["email"] = "email"
    secret_id: SecretId
    to: list[EmailStr] = Field(min_length=1, max_length=100)
    from_email: EmailStr  # a sender SendGrid has verified
    from_name: str = Field("genai-costs", max_length=100)

    @property
    def key(self) -> str:
        return f"email:{self.secret_id}:{_short_hash(*sorted(self.to))}"


class SmsTarget(_Target):
    """One SMS recipient through Twilio (one number per target: a partial send never repeats)."""

    kind: Literal["sms"] = "sms"
    secret_id: SecretId
    to: E164
    from_number: E164 | None = None
    messaging_service_sid: Annotated[str, Field(pattern=r"^MG[0-9a-fA-F]{32}$")] | None = None

    @model_validator(mode="after")
    def _one_sender(self) -> SmsTarget:
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ValueError("set exactly one of from_number or messaging_service_sid")
        return self

    @property
    def key(self) -> str:
        return f"sms:{self.secret_id}:{_short_hash(self.to)}"


class WebhookTarget(_Target):
    """A generic HTTPS endpoint signed per the Standard Webhooks spec; URL and secret are secret."""

    kind: Literal["webhook"] = "webhook"
    secret_id: SecretId

    @property
    def key(self) -> str:
        return f"webhook:{self.secret_id}"


class PubSubTarget(_Target):
    """A Pub/Sub topic other systems subscribe to (embedded: the in-process bus)."""

    kind: Literal["pubsub"] = "pubsub"
    topic: TopicId

    @property
    def key(self) -> str:
        return f"pubsub:{self.topic}"


ChannelTarget = Annotated[
    SlackTarget | EmailTarget | SmsTarget | WebhookTarget | PubSubTarget, Field(discriminator="kind")
]
