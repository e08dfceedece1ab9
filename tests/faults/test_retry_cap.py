"""Class 7 (second half) of issue 10: a provider that always answers 429 with a huge ``Retry-After``
must not make a run wait past the function's timeout. Retry waiting is capped below the deployed
timeout (``GENAI_COSTS_FUNCTION_TIMEOUT_SECONDS``, set by Terraform; the cap is half of it unless
``GENAI_COSTS_RETRY_WAIT_BUDGET_SECONDS`` says otherwise). Hitting the cap fails the run as transient:
Pub/Sub redelivers the message later, when the provider may answer again.
"""

from __future__ import annotations

import threading
import time

import pytest

from .edge_support import (
    CraftedServer,
    deliver,
    fresh_settings,
    function_client,
    json_reply,
    ledger,
    onboard_org,
    openai_secret,
    payg_message,
    pubsub_event,
    store_secret,
)

ORG = "acme"


def rate_limited(retry_after: str) -> CraftedServer:
    return CraftedServer(lambda _r: json_reply(429, {"error": "slow down"}, {"Retry-After": retry_after}))


def deliver_within(seconds: float) -> int | None:
    """The status of one delivery, or None when it is still waiting after ``seconds``."""
    status: list[int] = []
    worker = threading.Thread(
        target=lambda: status.append(deliver(function_client("ingest_payg"), pubsub_event(payg_message(ORG)))),
        daemon=True,  # before the cap, a run slept for minutes here
    )
    worker.start()
    worker.join(seconds)
    return status[0] if status else None


def test_a_day_long_retry_after_fails_the_run_transient_at_once(monkeypatch, onboarded_copy):
    monkeypatch.setenv("GENAI_COSTS_FUNCTION_TIMEOUT_SECONDS", "60")
    fresh_settings()
    onboard_org(onboarded_copy, ORG)
    with rate_limited("86400").running() as provider:
        store_secret(ORG, "openai", openai_secret(provider.url))
        started = time.monotonic()
        assert deliver_within(20) == 500  # transient: redelivered by Pub/Sub, not waited for here
        assert time.monotonic() - started < 20 and len(provider.requests) == 1
    failed = ledger(ORG)[-1]
    assert (failed["status"], failed["error_kind"]) == ("failed", "ProviderRateLimitError")
    assert "30s" in failed["error"] and "86400" in failed["error"]


@pytest.mark.parametrize("budget, requests", [("2.5", 3), ("0.5", 1)])
def test_retry_waits_stop_at_the_configured_budget(monkeypatch, budget, requests, onboarded_copy):
    monkeypatch.setenv("GENAI_COSTS_RETRY_WAIT_BUDGET_SECONDS", budget)
    fresh_settings()
    onboard_org(onboarded_copy, ORG)
    with rate_limited("1").running() as provider:
        store_secret(ORG, "openai", openai_secret(provider.url))
        assert deliver_within(30) == 500
    # Each retry waits the 1 s the provider asked for, as long as the budget has room for it: 2.5 s allow
    # two waits (three requests), 0.5 s none (the default policy would make five requests).
    assert len(provider.requests) == requests
