"""Slack incoming webhooks: ``POST {text, blocks}`` to the webhook URL; 200 ``ok`` means posted.

``text`` is the notification and accessibility fallback; ``blocks`` is what people read. Slack
parses ``&``, ``<`` and ``>`` in mrkdwn as control characters, so every value from outside is
escaped: a budget named ``<!channel>`` must not page a whole channel. Limits respected: header
text 150 characters, 10 fields per section, 2,000 characters per field, 3,000 per section text.
Slack's incoming webhooks return no message id.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..model.alert import Alert
from ..secrets import SecretStore
from . import text
from .base import AttemptContext, ChannelKind, Outcome, PermanentFailure, Retryable, Sent
from .credentials import SlackCredentials, read_channel_credentials
from .http import excerpt, failure_for, post
from .targets import SlackTarget


def escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    safe_url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{safe_url}|{escape(label)}>"


def render_slack(alert: Alert) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": text.truncate(text.headline(alert), 150)}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": text.truncate(f"*{escape(f.label)}*\n{escape(f.value)}", 2000)}
                for f in text.facts(alert)
            ],
        },
    ]
    groups = text.contributor_groups(alert)
    if groups:
        lines = "\n".join(f"• *{escape(g.label)}*: {escape(g.value)}" for g in groups)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": text.truncate(f"*Top contributors*\n{lines}", 3000)}}
        )
    context: list[str] = []
    note = text.estimated_note(alert)
    if note:
        context.append(escape(note))
    url, hint = text.where_to_look(alert)
    if url:
        context.append(_link(url, "Where to look"))
    if hint:
        context.append(escape(hint))
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": text.truncate(c, 2000)} for c in context]}
        )
    return {"text": escape(text.subject(alert)), "blocks": blocks}


class SlackSender:
    channel: ChannelKind = "slack"

    def __init__(self, target: SlackTarget, store: SecretStore, client: httpx.Client) -> None:
        self.target, self.store, self.client = target, store, client

    def attempt(self, alert: Alert, context: AttemptContext) -> Outcome:
        creds = read_channel_credentials(self.store, self.target.secret_id, SlackCredentials, "slack")
        if isinstance(creds, (PermanentFailure, Retryable)):
            return creds
        url = creds.webhook_url.get_secret_value()
        response = post(self.client, "slack", url, json=render_slack(alert))
        if isinstance(response, Retryable):
            return response
        if response.is_success:
            return Sent(None)
        return failure_for(
            "slack", response, now=context.now, secret_id=self.target.secret_id, detail=excerpt(response, [url])
        )
