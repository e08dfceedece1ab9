"""The alert-channel fakes: documented request and response shapes, what they refuse, signature
verification, recording, fault injection, and no Slack token in any log."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging

import httpx
import pytest

from provider_sim.channels import ChannelCredentials, public_path

CREDS = ChannelCredentials()
SENDGRID = "/sendgrid/v3/mail/send"
SENDGRID_AUTH = {"authorization": f"Bearer {CREDS.sendgrid_api_key}"}
TWILIO = f"/twilio/2010-04-01/Accounts/{CREDS.twilio_account_sid}/Messages.json"
TWILIO_AUTH = (CREDS.twilio_account_sid, CREDS.twilio_auth_token)
MAIL = {
    "personalizations": [{"to": [{"email": "a@example.com"}]}],
    "from": {"email": "alerts@example.com"},
    "subject": "Budget at 90%",
    "content": [{"type": "text/plain", "value": "hi"}, {"type": "text/html", "value": "<p>hi</p>"}],
}


def messages(client: httpx.Client, channel: str) -> list[dict]:
    return client.get(f"/_sim/channels/{channel}/messages").json()["messages"]


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks, computed independently of the library the fake uses."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(body: bytes, *, secret: str = CREDS.webhook_secret, age: float = 0, msg_id: str = "msg_1"):
    ts = int((dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age)).timestamp())
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sign(secret, msg_id, ts, body)}


# -- Slack -------------------------------------------------------------------------------------------
def test_slack_accepts_text_and_blocks_and_records_without_the_token(client: httpx.Client) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    response = client.post(CREDS.slack_webhook_path, json={"text": "fallback", "blocks": blocks})
    assert (response.status_code, response.text) == (200, "ok")
    [message] = messages(client, "slack")
    assert message["text"] == "fallback" and message["blocks"] == blocks
    token = CREDS.slack_webhook_path.rsplit("/", 1)[-1]
    assert token not in json.dumps(message) and token not in client.get("/_sim/requests").text


@pytest.mark.parametrize(
    "body, error",
    [
        ({"blocks": []}, "no_text"),
        ({"text": "x", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
        (
            {"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]},
            "invalid_blocks",
        ),
        (
            {"text": "x", "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]},
            "invalid_blocks",
        ),
        ([1, 2], "invalid_payload"),
    ],
)
def test_slack_refuses_what_slack_refuses(client: httpx.Client, body, error: str) -> None:
    response = client.post(CREDS.slack_webhook_path, json=body)
    assert (response.status_code, response.text) == (400, error)
    assert messages(client, "slack") == []


# -- SendGrid ----------------------------------------------------------------------------------------
def test_sendgrid_queues_with_message_id(client: httpx.Client) -> None:
    response = client.post(SENDGRID, json=MAIL, headers=SENDGRID_AUTH)
    assert response.status_code == 202 and response.content == b""
    [message] = messages(client, "sendgrid")
    assert response.headers["x-message-id"] == message["id"] and message["subject"] == "Budget at 90%"


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda m: m.update(personalizations=[]), "personalizations"),
        (lambda m: m["personalizations"][0].update(to=[{"email": "nope"}]), "personalizations.0.to"),
        (lambda m: m.update({"from": {}}), "from.email"),
        (lambda m: m.pop("subject"), "subject"),
        (lambda m: m.update(content=list(reversed(m["content"]))), "content.0.type"),
    ],
)
def test_sendgrid_refuses_bad_mail(client: httpx.Client, change, field: str) -> None:
    mail = json.loads(json.dumps(MAIL))
    change(mail)
    response = client.post(SENDGRID, json=mail, headers=SENDGRID_AUTH)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field


def test_sendgrid_refuses_a_wrong_key(client: httpx.Client) -> None:
    response = client.post(SENDGRID, json=MAIL, headers={"authorization": "Bearer SG.wrong"})
    assert response.status_code == 401 and "authorization grant" in response.json()["errors"][0]["message"]


# -- Twilio ------------------------------------------------------------------------------------------
def test_twilio_creates_a_queued_message(client: httpx.Client) -> None:
    response = client.post(TWILIO, data={"To": "+15551230001", "From": "+15557650002", "Body": "hi"}, auth=TWILIO_AUTH)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued" and body["sid"].startswith("SM") and len(body["sid"]) == 34
    assert (body["to"], body["from"], body["num_segments"], body["direction"]) == (
        "+15551230001",
        "+15557650002",
        "1",
        "outbound-api",
    )
    assert messages(client, "twilio")[0]["id"] == body["sid"]


def test_twilio_with_messaging_service_is_accepted(client: httpx.Client) -> None:
    service = "MG" + "a" * 32
    data = {"To": "+15551230001", "MessagingServiceSid": service, "Body": "x" * 200}
    body = client.post(TWILIO, data=data, auth=TWILIO_AUTH).json()
    assert (body["status"], body["messaging_service_sid"], body["num_segments"]) == ("accepted", service, "2")


@pytest.mark.parametrize(
    "data, code",
    [
        ({"To": "5551230001", "From": "+15557650002", "Body": "hi"}, 21211),
        ({"To": "+15551230001", "Body": "hi"}, 21603),
        ({"To": "+15551230001", "From": "+15557650002"}, 21602),
        ({"To": "+15551230001", "From": "+15557650002", "Body": "x" * 1601}, 21617),
    ],
)
def test_twilio_refuses_bad_messages(client: httpx.Client, data: dict, code: int) -> None:
    response = client.post(TWILIO, data=data, auth=TWILIO_AUTH)
    assert response.status_code == 400 and response.json()["code"] == code


def test_twilio_refuses_wrong_credentials(client: httpx.Client) -> None:
    data = {"To": "+15551230001", "From": "+15557650002", "Body": "hi"}
    response = client.post(TWILIO, data=data, auth=(CREDS.twilio_account_sid, "wrong-token"))
    assert response.status_code == 401 and response.json()["code"] == 20003


# -- Standard Webhooks receiver ------------------------------------------------------------------------
BODY = b'{"type":"genai_costs.alert.run_failed","data":{}}'


def test_receiver_accepts_a_valid_signature(client: httpx.Client) -> None:
    response = client.post("/webhooks/ops", content=BODY, headers=webhook_headers(BODY))
    assert response.status_code == 200
    [message] = messages(client, "webhook")
    assert message["verified"] and message["payload"]["type"] == "genai_costs.alert.run_failed"
    assert message["endpoint"] == "ops" and message["webhook-id"] == "msg_1"


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda: (BODY.replace(b"run_failed", b"run_passed"), webhook_headers(BODY)), "No matching signature found"),
        (lambda: (BODY, webhook_headers(BODY, secret="whsec_" + base64.b64encode(b"x" * 32).decode())), "No matching"),
        (lambda: (BODY, webhook_headers(BODY, age=301)), "Message timestamp too old"),
        (lambda: (BODY, webhook_headers(BODY, age=-301)), "Message timestamp too new"),
        (lambda: (BODY, {**webhook_headers(BODY), "webhook-signature": "garbage"}), "malformed"),
    ],
    ids=["tampered-body", "wrong-secret", "stale", "future", "malformed"],
)
def test_receiver_rejects_and_records_why(client: httpx.Client, make, reason: str) -> None:
    body, headers = make()
    response = client.post("/webhooks/ops", content=body, headers=headers)
    assert response.status_code == 401
    [message] = messages(client, "webhook")
    assert not message["verified"] and reason in message["reason"]


def test_receiver_needs_all_three_headers(client: httpx.Client) -> None:
    headers = webhook_headers(BODY)
    del headers["webhook-timestamp"]
    assert client.post("/webhooks/ops", content=BODY, headers=headers).status_code == 400


def test_receiver_accepts_a_timestamp_within_five_minutes(client: httpx.Client) -> None:
    assert client.post("/webhooks/ops", content=BODY, headers=webhook_headers(BODY, age=290)).status_code == 200


# -- faults, admin, logs -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "channel, request_args, status, retry_after",
    [
        ("slack", ("POST", CREDS.slack_webhook_path), 429, "1"),
        ("sendgrid", ("POST", SENDGRID), 500, None),
        ("twilio", ("POST", TWILIO), 429, "1"),
        ("webhook", ("POST", "/webhooks/ops"), 410, None),
    ],
)
def test_faults_on_demand(client: httpx.Client, channel: str, request_args, status: int, retry_after) -> None:
    kind = {429: "429", 500: "500", 410: "gone"}[status]
    assert client.post("/_sim/faults", json={"provider": channel, "faults": [kind]}).status_code == 200
    response = client.request(*request_args, content=b"{}")
    assert response.status_code == status and response.headers.get("retry-after") == retry_after
    assert messages(client, channel) == []


def test_unknown_channel_and_clearing(client: httpx.Client) -> None:
    assert client.get("/_sim/channels/carrier-pigeon/messages").status_code == 404
    client.post(CREDS.slack_webhook_path, json={"text": "x"})
    client.delete("/_sim/channels/messages")
    assert messages(client, "slack") == []


def test_public_path_masks_only_the_slack_token() -> None:
    assert public_path("/slack/services/T1/B2/secret-token") == "/slack/services/T1/B2/[REDACTED]"
    assert public_path("/webhooks/ops") == "/webhooks/ops"


def test_live_access_log_has_no_slack_token(live_server) -> None:
    # A handler on werkzeug's own logger: independent of caplog and of what other tests did to propagation.
    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    werkzeug_log = logging.getLogger("werkzeug")
    saved = werkzeug_log.level, werkzeug_log.disabled, logging.root.manager.disable
    # setLevel and logging.disable (not attribute assignment) clear the loggers' isEnabledFor caches,
    # which another test's logging state may have filled with False for INFO.
    werkzeug_log.disabled = False
    werkzeug_log.setLevel(logging.INFO)
    logging.disable(logging.NOTSET)
    werkzeug_log.addHandler(handler)
    base_url, _ = live_server
    try:
        with httpx.Client(base_url=base_url) as client:
            assert client.post(CREDS.slack_webhook_path, json={"text": "x"}).status_code == 200
    finally:
        werkzeug_log.removeHandler(handler)
        werkzeug_log.setLevel(saved[0])
        werkzeug_log.disabled = saved[1]
        logging.disable(saved[2])
    access = lines
    assert any("/slack/services/T0SIM0000/B0SIM0000/[REDACTED]" in line for line in access)
    assert not any(CREDS.slack_webhook_path.rsplit("/", 1)[-1] in line for line in access)
