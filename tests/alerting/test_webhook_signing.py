"""Standard Webhooks signing: the spec's published test vector, an independent HMAC over a real
alert body, and the id that stays the same across retries."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from standardwebhooks import Webhook

from genai_costs.alerting.envelope import envelope_bytes
from genai_costs.alerting.webhook import signed_headers

from .helpers import SIM, budget_alert

# From the Standard Webhooks reference libraries' tests (the spec's shared vector).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_published_test_vector() -> None:
    now = dt.datetime.fromtimestamp(VECTOR_TIMESTAMP, dt.UTC)
    headers = signed_headers(VECTOR_SECRET, VECTOR_ID, now, VECTOR_BODY)
    assert headers == {
        "content-type": "application/json",
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_timestamp_in_another_zone_signs_the_same_instant() -> None:
    berlin = dt.datetime.fromtimestamp(VECTOR_TIMESTAMP, dt.timezone(dt.timedelta(hours=1)))
    assert signed_headers(VECTOR_SECRET, VECTOR_ID, berlin, VECTOR_BODY)["webhook-signature"] == VECTOR_SIGNATURE


def test_alert_body_signature_matches_an_independent_hmac() -> None:
    body = envelope_bytes(budget_alert())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    headers = signed_headers(SIM.webhook_secret, "msg_" + "a" * 32, now, body)
    key = base64.b64decode(SIM.webhook_secret.removeprefix("whsec_"))
    signed = f"msg_{'a' * 32}.{int(now.timestamp())}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert Webhook(SIM.webhook_secret).verify(body, headers)["data"]["alert_id"] == budget_alert().alert_id


def test_retry_resigns_with_its_own_time_and_the_same_id() -> None:
    body = envelope_bytes(budget_alert())
    first = dt.datetime.now(dt.UTC)
    a = signed_headers(SIM.webhook_secret, "msg_" + "b" * 32, first, body)
    b = signed_headers(SIM.webhook_secret, "msg_" + "b" * 32, first + dt.timedelta(seconds=30), body)
    assert a["webhook-id"] == b["webhook-id"]
    assert a["webhook-timestamp"] != b["webhook-timestamp"] and a["webhook-signature"] != b["webhook-signature"]
