"""Generic webhooks signed per the Standard Webhooks spec (signing by the ``standardwebhooks`` package).

Headers: ``webhook-id`` (the delivery's id, the same on every retry), ``webhook-timestamp`` (unix
seconds of this attempt) and ``webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``
where key is the base64 part of the ``whsec_`` secret. Any 2xx is success; 410 Gone tells us to
stop (the delivery fails and is flagged ``endpoint_disabled``); 408, 429 and 5xx are retried.
"""

from __future__ import annotations

import datetime as dt
import math

import httpx
from standardwebhooks import Webhook

from ..model.alert import Alert
from ..secrets import SecretStore
from .base import AttemptContext, ChannelKind, Outcome, PermanentFailure, Retryable, Sent
from .credentials import WebhookCredentials, read_channel_credentials
from .envelope import envelope_bytes
from .http import excerpt, failure_for, post
from .targets import WebhookTarget


def signed_headers(secret: str, webhook_id: str, now: dt.datetime, body: bytes) -> dict[str, str]:
    timestamp = now.astimezone(dt.UTC)
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(math.floor(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=webhook_id, timestamp=timestamp, data=body.decode()),
    }


class WebhookSender:
    channel: ChannelKind = "webhook"

    def __init__(self, target: WebhookTarget, store: SecretStore, client: httpx.Client) -> None:
        self.target, self.store, self.client = target, store, client

    def attempt(self, alert: Alert, context: AttemptContext) -> Outcome:
        creds = read_channel_credentials(self.store, self.target.secret_id, WebhookCredentials, "webhook")
        if isinstance(creds, (PermanentFailure, Retryable)):
            return creds
        url, secret = creds.url.get_secret_value(), creds.signing_secret.get_secret_value()
        body = envelope_bytes(alert)
        headers = signed_headers(secret, context.webhook_id, context.now, body)
        response = post(self.client, "webhook", url, content=body, headers=headers)
        if isinstance(response, Retryable):
            return response
        if response.is_success:
            return Sent(context.webhook_id)
        return failure_for(
            "webhook",
            response,
            now=context.now,
            secret_id=self.target.secret_id,
            detail=excerpt(response, [url, secret]),
        )
