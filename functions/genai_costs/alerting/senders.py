"""The sender for a channel target. Nothing is opened here: the HTTP client, the secret store and
the publisher are passed in (one of each per process), and secrets are read at each attempt."""

from __future__ import annotations

import httpx

from ..errors import ConfigurationError
from ..messaging import Publisher
from ..secrets import SecretStore
from .base import ChannelSender
from .pubsub import PubSubSender
from .sendgrid import SendGridSender
from .slack import SlackSender
from .targets import ChannelTarget, EmailTarget, PubSubTarget, SlackTarget, SmsTarget, WebhookTarget
from .twilio import TwilioSender
from .webhook import WebhookSender


def build_sender(
    target: ChannelTarget,
    *,
    secrets: SecretStore,
    http: httpx.Client | None = None,
    publisher: Publisher | None = None,
) -> ChannelSender:
    """``http`` (for every channel but Pub/Sub) should come from
    :func:`genai_costs.alerting.http.new_http_client`: no redirects, httpx's URL log line masked."""
    if isinstance(target, PubSubTarget):
        if publisher is None:
            raise ConfigurationError(f"channel {target.key} needs a Pub/Sub publisher")
        return PubSubSender(target, publisher)
    if http is None:
        raise ConfigurationError(f"channel {target.key} needs an HTTP client")
    if isinstance(target, SlackTarget):
        return SlackSender(target, secrets, http)
    if isinstance(target, EmailTarget):
        return SendGridSender(target, secrets, http)
    if isinstance(target, SmsTarget):
        return TwilioSender(target, secrets, http)
    if isinstance(target, WebhookTarget):
        return WebhookSender(target, secrets, http)
    raise ConfigurationError(f"unknown channel target {type(target).__name__}")
