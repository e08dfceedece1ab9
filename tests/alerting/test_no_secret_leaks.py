"""No channel secret or webhook URL in logs, errors, delivery rows or test output: against the
fakes in every failure mode, and against a hostile endpoint that echoes what it was sent."""

from __future__ import annotations

import base64
import datetime as dt
import logging

import httpx
import pytest

from genai_costs.alerting import Delivery, DeliveryRetryPolicy, build_sender, deliver_inline, new_delivery
from genai_costs.alerting.http import new_http_client
from genai_costs.alerting.targets import ChannelTarget
from genai_costs.secrets import SecretStore

from .helpers import EMAIL, SIM, SLACK, SMS, WEBHOOK, VirtualClock, budget_alert, inject, received, store_sim_secrets

TARGETS = {"slack": SLACK, "sendgrid": EMAIL, "twilio": SMS, "webhook": WEBHOOK}
POLICY = DeliveryRetryPolicy(
    initial_backoff=dt.timedelta(seconds=1), max_backoff=dt.timedelta(seconds=2), give_up_after=dt.timedelta(seconds=5)
)


def secret_values(secrets: dict[str, str]) -> list[str]:
    """Every form in which a channel credential could leak."""
    values = list(secrets.values())
    values.append(secrets["webhook_secret"].removeprefix("whsec_"))
    values.append(base64.b64encode(f"{SIM.twilio_account_sid}:{SIM.twilio_auth_token}".encode()).decode())
    return values


def deliver(target: ChannelTarget, store: SecretStore, http: httpx.Client) -> Delivery:
    alert, clock = budget_alert(), VirtualClock()
    sender = build_sender(target, secrets=store, http=http)
    row = new_delivery(alert.alert_id, target, now=clock(), policy=POLICY)
    return deliver_inline(row, alert, sender, policy=POLICY, clock=clock, sleep=clock.sleep, rng=lambda: 0.5)


def assert_nothing_leaked(values: list[str], *texts: str) -> None:
    blob = "\n".join(texts)
    for value in values:
        assert value not in blob


@pytest.mark.parametrize("channel", sorted(TARGETS))
@pytest.mark.parametrize(
    "faults",
    [[], ["429"], ["500", "500", "500", "500", "500", "500"], [{"kind": "slow", "ms": 800}], ["expired_key"], ["gone"]],
    ids=["ok", "429", "500-give-up", "timeout", "auth", "gone"],
)
def test_fakes_in_every_mode(sim, store, secrets, http, caplog, capsys, channel: str, faults: list) -> None:
    for logger in (None, "httpx", "httpcore"):  # other tests may have quietened httpx's loggers
        caplog.set_level(logging.DEBUG, logger=logger)
    if faults:
        inject(sim, channel, *faults)
    done = deliver(TARGETS[channel], store, http)
    records = [done.model_dump_json()]
    sim_side = [sim.get("/_sim/requests").text, str(received(sim, channel))]
    out = capsys.readouterr()
    assert_nothing_leaked(
        secret_values(secrets),
        *records,
        caplog.text,
        *(str(r.args) for r in caplog.records),
        out.out,
        out.err,
        *sim_side,
    )
    # The record still says what happened, by secret id and status.
    assert done.final or done.next_attempt_at is not None
    if faults == ["expired_key"]:
        assert f"secret {TARGETS[channel].secret_id}" in (done.last_error or "")


def echo(status: int):
    """A hostile endpoint: echoes credentials, URL and body back in its error, credentials first so
    they fall inside the excerpt an error keeps."""

    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        return httpx.Response(status, text=f"{auth} {request.url} {request.content.decode(errors='replace')}")

    return handler


@pytest.mark.parametrize("channel", sorted(TARGETS))
@pytest.mark.parametrize("status", [400, 401, 500])
def test_echoing_endpoint_cannot_leak(store, caplog, channel: str, status: int) -> None:
    for logger in (None, "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=logger)
    secrets = store_sim_secrets(store, "https://hostile.example.com")
    with httpx.Client(transport=httpx.MockTransport(echo(status))) as client:
        done = deliver(TARGETS[channel], store, client)
    assert done.last_error and f"HTTP {status}" in done.last_error
    assert_nothing_leaked(secret_values(secrets), done.model_dump_json(), caplog.text)


def test_httpx_request_log_line_is_masked(store, secrets, sim, caplog) -> None:
    """httpx logs every request's full URL at INFO; for Slack that URL is the credential."""
    caplog.set_level(logging.INFO, logger="httpx")
    with new_http_client(timeout=2) as client:
        deliver(SLACK, store, client)
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert lines and all("[REDACTED]" in line for line in lines)
    assert_nothing_leaked(secret_values(secrets), *lines)
