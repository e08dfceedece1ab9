"""Local fakes of the alert channels, with the real request and response shapes.

    POST /slack/services/<T>/<B>/<token>               Slack incoming webhook: JSON {text, blocks?}; 200 "ok"
    POST /sendgrid/v3/mail/send                        SendGrid v3: Bearer key; 202, X-Message-Id header
    POST /twilio/2010-04-01/Accounts/<sid>/Messages.json  Twilio: Basic auth, form To/From|MessagingServiceSid/Body;
                                                       201 {"sid": "SM…", "status": "queued", …}
    POST /webhooks/<endpoint>                          Standard Webhooks receiver: verifies webhook-signature
                                                       and rejects timestamps more than 5 minutes off (401)
    GET  /_sim/channels/<channel>/messages             what each fake received (slack|sendgrid|twilio|webhook)
    DELETE /_sim/channels/messages                     forget it

Each fake validates what the real service would refuse (so a payload that passes here has the
documented shape) and records what it accepted; the webhook receiver records rejected deliveries
too, with the reason. Faults come from the simulator's fault queues under the keys ``slack``,
``sendgrid``, ``twilio`` and ``webhook``: ``429`` (with Retry-After: 1), ``500``, ``slow`` (a
timeout for any client whose timeout is shorter than ``ms``), ``expired_key`` and ``gone`` (410).
A Slack webhook URL is itself a credential: its last path segment never reaches the request log,
the server's access log or the records.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from flask import Blueprint, Response, request
from standardwebhooks import Webhook, WebhookVerificationError

from provider_sim.http import json_response
from provider_sim.state import ErrorShapes, SimState, Surface

CHANNELS = ("slack", "sendgrid", "twilio", "webhook")
MAX_SMS_BODY = 1600
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_SLACK_PATH = re.compile(r"^(/slack/services/[^/]+/[^/]+/)[^/?]+")
REDACTED = "[REDACTED]"


@dataclass(frozen=True)
class ChannelCredentials:
    """What the fakes accept; deterministic so tests and `make run` can store them as secrets."""

    sendgrid_api_key: str = "SG.sim-sendgrid.key-0000000000000000"
    twilio_account_sid: str = "AC" + "5" * 32
    twilio_auth_token: str = "sim-twilio-auth-token-0000"
    webhook_secret: str = "whsec_" + base64.b64encode(b"genai-costs simulator webhook key").decode()
    slack_webhook_path: str = "/slack/services/T0SIM0000/B0SIM0000/sim0slack0webhook0token00"


def public_path(path: str) -> str:
    """The path with a Slack webhook's secret token masked (for logs and records)."""
    return _SLACK_PATH.sub(lambda m: m.group(1) + REDACTED, path)


class Inbox:
    """What each fake received, in arrival order (thread-safe: the live server is threaded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: dict[str, list[dict[str, Any]]] = {c: [] for c in CHANNELS}
        self._seq = 0

    def add(self, channel: str, record: dict[str, Any], make_id: Callable[[int], str] | None = None) -> dict[str, Any]:
        """Store a record; ``make_id`` turns the arrival number into the provider's message id."""
        with self._lock:
            self._seq += 1
            stored = {"seq": self._seq, **({"id": make_id(self._seq)} if make_id else {}), **record}
            self._messages[channel].append(stored)
            return stored

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._messages[channel])

    def clear(self) -> None:
        with self._lock:
            for items in self._messages.values():
                items.clear()


# -- error bodies as each service writes them ---------------------------------------------------
def _text(body: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=status, headers=headers, mimetype="text/plain")


class SlackErrors(ErrorShapes):
    def auth(self, expired: bool) -> Response:
        return _text("invalid_token", 403)

    def throttled(self) -> Response:
        return _text("rate_limited", 429, {"Retry-After": "1"})

    def server_error(self) -> Response:
        return _text("rollup_error", 500)

    def gone(self) -> Response:
        return _text("channel_is_archived", 410)


def _sendgrid_error(
    status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    return json_response({"errors": [{"message": message, "field": field, "help": None}]}, status, headers)


class SendGridErrors(ErrorShapes):
    def auth(self, expired: bool) -> Response:
        return _sendgrid_error(401, "The provided authorization grant is invalid, expired, or revoked")

    def throttled(self) -> Response:
        return _sendgrid_error(429, "too many requests", headers={"Retry-After": "1"})

    def server_error(self) -> Response:
        return _sendgrid_error(500, "internal error")


def _twilio_error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return json_response(body, status, headers)


class TwilioErrors(ErrorShapes):
    def auth(self, expired: bool) -> Response:
        return _twilio_error(401, 20003, "Authenticate")

    def throttled(self) -> Response:
        return _twilio_error(429, 20429, "Too Many Requests", {"Retry-After": "1"})

    def server_error(self) -> Response:
        return _twilio_error(500, 20500, "Internal Server Error")


class WebhookReceiverErrors(ErrorShapes):
    def auth(self, expired: bool) -> Response:
        return json_response({"error": "unauthorized"}, 401)

    def throttled(self) -> Response:
        return json_response({"error": "slow down"}, 429, {"Retry-After": "1"})

    def server_error(self) -> Response:
        return json_response({"error": "receiver crashed"}, 500)

    def gone(self) -> Response:
        return json_response({"error": "endpoint removed"}, 410)


SURFACES = (
    Surface("/slack/", "slack", SlackErrors()),
    Surface("/sendgrid/", "sendgrid", SendGridErrors()),
    Surface("/twilio/", "twilio", TwilioErrors()),
    Surface("/webhooks/", "webhook", WebhookReceiverErrors()),
)


# -- request validation ---------------------------------------------------------------------------
def _slack_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "invalid_payload"
    if not isinstance(body.get("text"), str) or not body["text"].strip():
        return "no_text"
    blocks = body.get("blocks", [])
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            return "invalid_blocks"
        if block["type"] == "header" and len(block.get("text", {}).get("text", "")) > 150:
            return "invalid_blocks"
        fields = block.get("fields", [])
        if len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
            return "invalid_blocks"
        if len(block.get("text", {}).get("text", "")) > 3000:
            return "invalid_blocks"
    return None


def _sendgrid_problem(body: Any) -> tuple[str, str] | None:
    """(field, message) of the first problem SendGrid would report, or None."""
    if not isinstance(body, dict):
        return ("", "Bad Request")
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not 1 <= len(personalizations) <= 1000:
        return (
            "personalizations",
            "The personalizations field is required and must have at least one personalization.",
        )
    for p in personalizations:
        to = p.get("to") if isinstance(p, dict) else None
        if not isinstance(to, list) or not to:
            return ("personalizations.0.to", "The to array is required for all personalization objects")
        if any(not isinstance(r, dict) or "@" not in str(r.get("email", "")) for r in to):
            return ("personalizations.0.to", "Does not contain a valid address.")
    sender = body.get("from")
    if not isinstance(sender, dict) or "@" not in str(sender.get("email", "")):
        return ("from.email", "The from email does not contain a valid address.")
    if not body.get("subject") and not all(isinstance(p, dict) and p.get("subject") for p in personalizations):
        return ("subject", "The subject is required.")
    content = body.get("content")
    if not isinstance(content, list) or not content:
        return ("content", "Unless a valid template_id is provided, the content parameter is required.")
    types = [c.get("type") if isinstance(c, dict) else None for c in content]
    if any(not isinstance(c, dict) or not c.get("value") for c in content):
        return ("content.0.value", "The content value must be a string at least one character in length.")
    if "text/plain" in types and types[0] != "text/plain":
        return ("content.0.type", "The text/plain content type must be first, followed by any other content.")
    return None


def _basic_auth() -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _digest(seq: int, body: bytes) -> str:
    return hashlib.sha256(str(seq).encode() + b":" + body).hexdigest()


def _segments(body: str) -> int:
    single, multi = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


def create_blueprint(state: SimState, credentials: ChannelCredentials | None = None) -> Blueprint:
    creds = credentials or ChannelCredentials()
    inbox = Inbox()
    bp = Blueprint("channels", __name__)
    bp.record_once(lambda setup: setup.app.config.__setitem__("SIM_CHANNELS", inbox))

    @bp.post("/slack/services/<team>/<hook>/<token>")
    def slack_webhook(team: str, hook: str, token: str) -> Response:
        body = request.get_json(silent=True)
        problem = _slack_problem(body)
        if problem or not isinstance(body, dict):
            return _text(problem or "invalid_payload", 400)
        inbox.add("slack", {"webhook": public_path(request.path), "text": body["text"], "blocks": body.get("blocks")})
        return _text("ok", 200)

    @bp.post("/sendgrid/v3/mail/send")
    def sendgrid_mail_send() -> Response:
        if request.headers.get("authorization") != f"Bearer {creds.sendgrid_api_key}":
            return SendGridErrors().auth(expired=False)
        body = request.get_json(silent=True)
        problem = _sendgrid_problem(body)
        if problem or not isinstance(body, dict):
            field, message = problem or ("", "Bad Request")
            return _sendgrid_error(400, message, field or None)
        stored = inbox.add("sendgrid", body, lambda seq: "sim" + _digest(seq, request.get_data())[:19])
        return Response(status=202, headers={"X-Message-Id": stored["id"]})

    @bp.post("/twilio/2010-04-01/Accounts/<account_sid>/Messages.json")
    def twilio_messages(account_sid: str) -> Response:
        if (
            _basic_auth() != (creds.twilio_account_sid, creds.twilio_auth_token)
            or account_sid != creds.twilio_account_sid
        ):
            return TwilioErrors().auth(expired=False)
        form = request.form
        to, sender, service, text = (
            form.get("To", ""),
            form.get("From"),
            form.get("MessagingServiceSid"),
            form.get("Body"),
        )
        if not _E164.fullmatch(to):
            return _twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender and not service:
            return _twilio_error(400, 21603, "A 'From' phone number is required.")
        if not text:
            return _twilio_error(400, 21602, "Message body is required.")
        if len(text) > MAX_SMS_BODY:
            return _twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        record = {"to": to, "from": sender, "messaging_service_sid": service, "body": text}
        sid = inbox.add("twilio", record, lambda seq: "SM" + _digest(seq, request.get_data())[:32])["id"]
        now = format_datetime(datetime.now(UTC), usegmt=True)
        resource = {
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": text,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(_segments(text)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not sender else "queued",
            "to": to,
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        }
        return json_response(resource, 201)

    @bp.post("/webhooks/<endpoint>")
    def webhook_receiver(endpoint: str) -> Response:
        raw = request.get_data()
        headers = {k: request.headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        record: dict[str, Any] = {"endpoint": endpoint, **headers, "verified": False, "reason": None, "payload": None}
        if not all(headers.values()):
            record["reason"] = "missing webhook-id, webhook-timestamp or webhook-signature"
            inbox.add("webhook", record)
            return json_response({"error": record["reason"]}, 400)
        try:
            record["payload"] = Webhook(creds.webhook_secret).verify(raw, headers)
        except WebhookVerificationError as exc:
            record["reason"] = str(exc)
        except ValueError:  # a signature list or body the library cannot even parse
            record["reason"] = "malformed webhook-signature header or body"
        if record["reason"]:
            inbox.add("webhook", record)
            return json_response({"error": record["reason"]}, 401)
        record["verified"] = True
        inbox.add("webhook", record)
        return json_response({"received": headers["webhook-id"]}, 200)

    @bp.get("/_sim/channels/<channel>/messages")
    def channel_messages(channel: str) -> Response:
        if channel not in CHANNELS:
            return json_response({"error": f"unknown channel {channel!r}; expected one of {CHANNELS}"}, 404)
        return json_response({"messages": inbox.messages(channel)})

    @bp.delete("/_sim/channels/messages")
    def clear_channel_messages() -> Response:
        inbox.clear()
        return json_response({"messages": []})

    return bp
