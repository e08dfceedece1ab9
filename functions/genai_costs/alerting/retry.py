"""When to try a failed delivery again, and when to stop.

Exponential backoff with full jitter: the n-th wait is uniform(0, min(max_backoff,
initial_backoff * 2**(n-1))), which spreads retries of many alerts hitting the same rate-limited
endpoint. A server's Retry-After replaces the jittered wait: the server knows when it will accept
again. Two bounds end the retries: the give-up time (``give_up_after`` from the delivery's
creation; a wait that would end after it is not taken) and ``max_attempts``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryRetryPolicy:
    initial_backoff: dt.timedelta = dt.timedelta(seconds=10)
    max_backoff: dt.timedelta = dt.timedelta(hours=1)
    give_up_after: dt.timedelta = dt.timedelta(hours=24)
    max_attempts: int = 30

    def __post_init__(self) -> None:
        if self.initial_backoff <= dt.timedelta(0) or self.max_backoff < self.initial_backoff:
            raise ValueError("need 0 < initial_backoff <= max_backoff")
        if self.give_up_after <= dt.timedelta(0) or self.max_attempts < 1:
            raise ValueError("need a positive give_up_after and max_attempts >= 1")

    def backoff(self, failed_attempts: int, rng: Callable[[], float] = random.random) -> dt.timedelta:
        """Full-jitter wait after the ``failed_attempts``-th consecutive failure (1-based)."""
        exponent = min(max(failed_attempts - 1, 0), 60)  # far past any cap; keeps the float finite
        ceiling = min(self.max_backoff.total_seconds(), self.initial_backoff.total_seconds() * 2.0**exponent)
        return dt.timedelta(seconds=ceiling * rng())

    def next_attempt_at(
        self,
        *,
        attempts: int,
        now: dt.datetime,
        give_up_at: dt.datetime,
        retry_after: float | None,
        rng: Callable[[], float] = random.random,
    ) -> dt.datetime | None:
        """When to try again after ``attempts`` attempts, or None when the bounds say stop."""
        if attempts >= self.max_attempts:
            return None
        if retry_after is not None:
            wait = dt.timedelta(seconds=max(0.0, retry_after))
        else:
            wait = self.backoff(attempts, rng)
        when = now + wait
        return when if when <= give_up_at else None
