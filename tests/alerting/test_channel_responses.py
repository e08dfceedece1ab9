"""Exact answers the fakes do not give, through httpx.MockTransport: permanent 4xx, Retry-After as
an HTTP date, 408, redirects, odd success bodies; and missing or malformed channel secrets."""

from __future__ import annotations

import datetime as dt
import json
from email.utils import format_datetime

import httpx
import pytest

from genai_costs.alerting import PermanentFailure, Retryable, Sent, build_sender
from genai_costs.alerting.base import AttemptContext
from genai_costs.alerting.targets import ChannelTarget
from genai_costs.errors import ConfigurationError
from genai_costs.secrets import SecretStore

from .helpers import EMAIL, SLACK, SMS, WEBHOOK, budget_alert, store_sim_secrets

BASE = "https://channels.example.com"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
CONTEXT = AttemptContext("k", "msg_" + "1" * 32, 1, NOW)


def attempt(target: ChannelTarget, store: SecretStore, handler) -> tuple[object, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    with httpx.Client(transport=httpx.MockTransport(record)) as client:
        outcome = build_sender(target, secrets=store, http=client).attempt(budget_alert(), CONTEXT)
    return outcome, seen


@pytest.fixture
def https_secrets(store: SecretStore) -> dict[str, str]:
    return store_sim_secrets(store, BASE)


@pytest.mark.parametrize("target", [SLACK, EMAIL, SMS, WEBHOOK])
def test_400_is_permanent_with_the_providers_reason(store, https_secrets, target) -> None:
    outcome, seen = attempt(target, store, lambda r: httpx.Response(400, text="invalid_payload"))
    assert isinstance(outcome, PermanentFailure) and not outcome.disable_endpoint
    assert outcome.reason == f"{target.kind}: HTTP 400 invalid_payload" and len(seen) == 1


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_retryable_statuses_carry_retry_after_as_http_date(store, https_secrets, status: int) -> None:
    later = format_datetime(NOW + dt.timedelta(seconds=90), usegmt=True)
    outcome, _ = attempt(SLACK, store, lambda r: httpx.Response(status, headers={"Retry-After": later}))
    assert isinstance(outcome, Retryable) and outcome.retry_after is not None
    assert 89 <= outcome.retry_after <= 90


def test_redirects_are_not_followed(store, https_secrets) -> None:
    outcome, seen = attempt(WEBHOOK, store, lambda r: httpx.Response(302, headers={"Location": "https://elsewhere"}))
    assert isinstance(outcome, PermanentFailure) and len(seen) == 1


def test_410_disables_only_webhooks(store, https_secrets) -> None:
    webhook, _ = attempt(WEBHOOK, store, lambda r: httpx.Response(410))
    slack, _ = attempt(SLACK, store, lambda r: httpx.Response(410, text="channel_is_archived"))
    assert isinstance(webhook, PermanentFailure) and webhook.disable_endpoint
    assert isinstance(slack, PermanentFailure) and not slack.disable_endpoint


def test_connection_refused_is_retryable(store, https_secrets) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    outcome, _ = attempt(EMAIL, store, refuse)
    assert outcome == Retryable("email: connection failed (ConnectError)")


def test_each_api_gets_its_auth_and_encoding(store, https_secrets) -> None:
    _, [mail] = attempt(EMAIL, store, lambda r: httpx.Response(202, headers={"X-Message-Id": "m-1"}))
    assert mail.url == BASE + "/sendgrid/v3/mail/send"
    assert mail.headers["authorization"] == "Bearer " + https_secrets["sendgrid_key"]
    assert mail.headers["content-type"] == "application/json"

    twilio_body = {"sid": "SM" + "f" * 32, "status": "queued"}
    outcome, [sms] = attempt(SMS, store, lambda r: httpx.Response(201, json=twilio_body))
    assert outcome == Sent("SM" + "f" * 32)
    assert sms.url.path.endswith("/2010-04-01/Accounts/AC" + "5" * 32 + "/Messages.json")
    assert sms.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sms.headers["authorization"].startswith("Basic ")
    form = dict(httpx.QueryParams(sms.content.decode()))
    assert set(form) == {"To", "From", "Body"} and form["To"] == "+15551230001"

    outcome, [hook] = attempt(WEBHOOK, store, lambda r: httpx.Response(204))
    assert outcome == Sent(CONTEXT.webhook_id)
    assert hook.headers["webhook-id"] == CONTEXT.webhook_id
    assert hook.headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert hook.headers["webhook-signature"].startswith("v1,")
    assert json.loads(hook.content)["type"] == "genai_costs.alert.budget_threshold_actual"


def test_sendgrid_202_without_message_id_still_counts_as_sent(store, https_secrets) -> None:
    outcome, _ = attempt(EMAIL, store, lambda r: httpx.Response(202))
    assert outcome == Sent(None)


def test_http_channels_need_a_client(store) -> None:
    with pytest.raises(ConfigurationError, match="HTTP client"):
        build_sender(SLACK, secrets=store)


def test_missing_secret_is_permanent_and_named(store) -> None:
    outcome, seen = attempt(SLACK, store, lambda r: httpx.Response(200))
    assert outcome == PermanentFailure("slack: secret alerts-slack not found or has no version") and seen == []


@pytest.mark.parametrize(
    "target, value, problem",
    [
        (SLACK, "http://hooks.example.com/services/T/B/plain-http-token", "must use https"),
        (SLACK, "not a url at all", "URL has no host"),
        (EMAIL, "SG.bare-key-not-json", "must be a JSON object"),
        (WEBHOOK, '{"url": "https://x.example.com/h", "signing_secret": "plain-secret-value"}', "whsec_"),
        (WEBHOOK, '{"url": "https://x.example.com/h", "signing_secret": "whsec_c2hvcnQ="}', "24..64 bytes"),
        (SMS, '{"account_sid": "nope", "auth_token": "tok-tok-tok-tok"}', "account_sid"),
    ],
)
def test_malformed_secret_is_permanent_and_not_echoed(store, target, value: str, problem: str) -> None:
    store.put(target.secret_id, value)
    outcome, seen = attempt(target, store, lambda r: httpx.Response(200))
    assert isinstance(outcome, PermanentFailure) and problem in outcome.reason and seen == []
    assert value not in outcome.reason and "token" not in outcome.reason and "plain-secret" not in outcome.reason


def test_bare_slack_url_is_accepted(store) -> None:
    store.put(SLACK.secret_id, "https://hooks.example.com/services/T1/B1/bare-token-000")
    outcome, [request] = attempt(SLACK, store, lambda r: httpx.Response(200, text="ok"))
    assert outcome == Sent(None) and request.url == "https://hooks.example.com/services/T1/B1/bare-token-000"
