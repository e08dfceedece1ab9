"""SMS through Twilio's Messages API.

``POST {base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json``, HTTP Basic auth (account SID,
auth token), form-encoded ``To`` (E.164), ``From`` or ``MessagingServiceSid``, ``Body`` of at most
1,600 characters; **201** with ``{"sid": "SM…", "status": "queued", …}``. The text is the headline
and the few figures that matter, the link last so a cut never loses the headline.
"""

from __future__ import annotations

import base64

import httpx
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from ..logs import register_secret
from ..model.alert import Alert
from ..secrets import SecretStore
from . import text
from .base import AttemptContext, ChannelKind, Outcome, PermanentFailure, Retryable, Sent
from .credentials import TwilioCredentials, read_channel_credentials
from .http import excerpt, failure_for, post
from .targets import SmsTarget

MAX_BODY_CHARS = 1600


class _TwilioMessage(BaseModel):
    sid: str
    status: str | None = None


def render_sms(alert: Alert) -> str:
    parts = [f"genai-costs {alert.org_slug}: {text.headline(alert)}."]
    if alert.budget is not None:
        b = alert.budget
        spend = f"Spend {text.usd(b.spend_to_date)} since {b.period.start.isoformat()}"
        if b.forecast is not None:
            spend += f", forecast {text.usd(b.forecast.expected)}"
        parts.append(spend + ".")
        top = [f"{label.lower()[:-1]} {items[0].name} {text.usd(items[0].amount)}" for label, items in b.top.groups()]
        if top:
            parts.append("Top: " + "; ".join(top) + ".")
        if b.estimated_days:
            parts.append(f"Estimated: {text.days_text(b.estimated_days)}.")
    elif alert.operational is not None and alert.operational.run_id:
        parts.append(f"Run {alert.operational.run_id}.")
    url, hint = text.where_to_look(alert)
    tail = url or hint
    body = " ".join(parts)
    if tail:
        body = text.truncate(body, MAX_BODY_CHARS - len(tail) - 1) + " " + tail
    return text.truncate(body, MAX_BODY_CHARS)


def render_sms_form(alert: Alert, target: SmsTarget) -> dict[str, str]:
    form = {"To": target.to, "Body": render_sms(alert)}
    if target.messaging_service_sid:
        form["MessagingServiceSid"] = target.messaging_service_sid
    else:
        assert target.from_number is not None  # the target's validator guarantees one of the two
        form["From"] = target.from_number
    return form


class TwilioSender:
    channel: ChannelKind = "sms"

    def __init__(self, target: SmsTarget, store: SecretStore, client: httpx.Client) -> None:
        self.target, self.store, self.client = target, store, client

    def attempt(self, alert: Alert, context: AttemptContext) -> Outcome:
        creds = read_channel_credentials(self.store, self.target.secret_id, TwilioCredentials, "sms")
        if isinstance(creds, (PermanentFailure, Retryable)):
            return creds
        token = creds.auth_token.get_secret_value()
        # Basic auth built here, so its encoded form is known and scrubbed like the token itself.
        basic = base64.b64encode(f"{creds.account_sid}:{token}".encode()).decode()
        register_secret(basic)
        url = f"{creds.base_url.rstrip('/')}/2010-04-01/Accounts/{creds.account_sid}/Messages.json"
        response = post(
            self.client,
            "sms",
            url,
            data=render_sms_form(alert, self.target),
            headers={"authorization": f"Basic {basic}"},
        )
        if isinstance(response, Retryable):
            return response
        if response.is_success:
            try:
                return Sent(_TwilioMessage.model_validate_json(response.content).sid)
            except PydanticValidationError:
                return Sent(None)  # accepted (2xx) even if the body is not what we expected
        return failure_for(
            "sms", response, now=context.now, secret_id=self.target.secret_id, detail=excerpt(response, [token, basic])
        )
