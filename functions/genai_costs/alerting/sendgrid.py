"""E-mail through the SendGrid v3 mail-send API.

``POST {base_url}/v3/mail/send`` with ``Authorization: Bearer <key>`` and
``{personalizations:[{to:[{email}]}], from:{email,name}, subject, content:[text/plain, text/html]}``;
**202** means queued, and the message id is in the ``X-Message-Id`` response header. One
personalization per recipient: each gets their own message and sees no other address. Plain text
comes first (SendGrid requires that order); the HTML escapes every value.
"""

from __future__ import annotations

import html
from typing import Any

import httpx

from ..model.alert import Alert
from ..secrets import SecretStore
from . import text
from .base import AttemptContext, ChannelKind, Outcome, PermanentFailure, Retryable, Sent
from .credentials import SendGridCredentials, read_channel_credentials
from .http import excerpt, failure_for, post
from .targets import EmailTarget

MAIL_SEND_PATH = "/v3/mail/send"


def render_plain(alert: Alert) -> str:
    lines = [text.headline(alert), ""]
    lines += [f"{f.label}: {f.value}" for f in text.facts(alert)]
    groups = text.contributor_groups(alert)
    if groups:
        lines += ["", "Top contributors"] + [f"  {g.label}: {g.value}" for g in groups]
    note = text.estimated_note(alert)
    if note:
        lines += ["", note]
    url, hint = text.where_to_look(alert)
    if url or hint:
        lines += ["", "Where to look: " + " - ".join(x for x in (url, hint) if x)]
    lines += ["", f"Alert {alert.alert_id}"]
    return "\n".join(lines) + "\n"


def render_html(alert: Alert) -> str:
    e = html.escape
    rows = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0">{e(f.label)}</th><td>{e(f.value)}</td></tr>'
        for f in text.facts(alert)
    )
    parts = [f"<h2>{e(text.headline(alert))}</h2>", f"<table>{rows}</table>"]
    groups = text.contributor_groups(alert)
    if groups:
        items = "".join(f"<li><b>{e(g.label)}</b>: {e(g.value)}</li>" for g in groups)
        parts.append(f"<h3>Top contributors</h3><ul>{items}</ul>")
    note = text.estimated_note(alert)
    if note:
        parts.append(f"<p><i>{e(note)}</i></p>")
    url, hint = text.where_to_look(alert)
    if url:
        parts.append(f'<p><a href="{e(url, quote=True)}">Where to look</a></p>')
    if hint:
        parts.append(f"<p>{e(hint)}</p>")
    parts.append(f'<p style="color:#888">Alert {e(alert.alert_id)}</p>')
    return "<html><body>" + "".join(parts) + "</body></html>"


def render_email(alert: Alert, target: EmailTarget, context: AttemptContext) -> dict[str, Any]:
    return {
        "personalizations": [{"to": [{"email": address}]} for address in target.to],
        "from": {"email": target.from_email, "name": target.from_name},
        "subject": text.truncate(text.subject(alert), 200),
        "content": [
            {"type": "text/plain", "value": render_plain(alert)},
            {"type": "text/html", "value": render_html(alert)},
        ],
        "categories": ["genai-costs-alert"],
        "custom_args": {"alert_id": alert.alert_id, "dedupe_key": context.webhook_id},
    }


class SendGridSender:
    channel: ChannelKind = "email"

    def __init__(self, target: EmailTarget, store: SecretStore, client: httpx.Client) -> None:
        self.target, self.store, self.client = target, store, client

    def attempt(self, alert: Alert, context: AttemptContext) -> Outcome:
        creds = read_channel_credentials(self.store, self.target.secret_id, SendGridCredentials, "email")
        if isinstance(creds, (PermanentFailure, Retryable)):
            return creds
        key = creds.api_key.get_secret_value()
        response = post(
            self.client,
            "email",
            creds.base_url.rstrip("/") + MAIL_SEND_PATH,
            json=render_email(alert, self.target, context),
            headers={"authorization": f"Bearer {key}"},
        )
        if isinstance(response, Retryable):
            return response
        if response.is_success:
            return Sent(response.headers.get("x-message-id"))
        return failure_for(
            "email", response, now=context.now, secret_id=self.target.secret_id, detail=excerpt(response, [key])
        )
