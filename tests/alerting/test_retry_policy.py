"""Backoff with full jitter, Retry-After in both forms, and the two bounds that end retries."""

from __future__ import annotations

import datetime as dt

import pytest

from genai_costs.alerting.http import parse_retry_after
from genai_costs.alerting.retry import DeliveryRetryPolicy

NOW = dt.datetime(2025, 10, 29, 14, 5, tzinfo=dt.UTC)
POLICY = DeliveryRetryPolicy(
    initial_backoff=dt.timedelta(seconds=10), max_backoff=dt.timedelta(minutes=5), give_up_after=dt.timedelta(hours=1)
)


def test_full_jitter_ceiling_doubles_then_caps() -> None:
    ceilings = [POLICY.backoff(n, rng=lambda: 1.0).total_seconds() for n in range(1, 8)]
    assert ceilings == [10, 20, 40, 80, 160, 300, 300]
    assert POLICY.backoff(3, rng=lambda: 0.25) == dt.timedelta(seconds=10)
    assert POLICY.backoff(3, rng=lambda: 0.0) == dt.timedelta(0)
    assert POLICY.backoff(10_000, rng=lambda: 1.0) == dt.timedelta(minutes=5)  # no overflow on huge counts


def test_retry_after_replaces_the_jittered_wait() -> None:
    when = POLICY.next_attempt_at(
        attempts=1, now=NOW, give_up_at=NOW + POLICY.give_up_after, retry_after=42, rng=lambda: 0.0
    )
    assert when == NOW + dt.timedelta(seconds=42)


def test_no_attempt_past_the_give_up_time_or_the_attempt_limit() -> None:
    give_up_at = NOW + dt.timedelta(seconds=30)
    assert POLICY.next_attempt_at(attempts=1, now=NOW, give_up_at=give_up_at, retry_after=31) is None
    assert POLICY.next_attempt_at(attempts=1, now=NOW, give_up_at=give_up_at, retry_after=30) == give_up_at
    limited = DeliveryRetryPolicy(max_attempts=3)
    assert limited.next_attempt_at(attempts=3, now=NOW, give_up_at=NOW + dt.timedelta(days=1), retry_after=1) is None
    assert (
        limited.next_attempt_at(attempts=2, now=NOW, give_up_at=NOW + dt.timedelta(days=1), retry_after=1) is not None
    )


@pytest.mark.parametrize(
    "header, seconds",
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("Wed, 29 Oct 2025 14:06:30 GMT", 90.0),
        ("Wed, 29 Oct 2025 14:00:00 GMT", 0.0),  # a date in the past: try now
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        DeliveryRetryPolicy(initial_backoff=dt.timedelta(0))
    with pytest.raises(ValueError):
        DeliveryRetryPolicy(max_attempts=0)
