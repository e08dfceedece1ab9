"""Fixtures for provider contract tests."""

from __future__ import annotations

import pytest

from genai_costs.providers.http import RetryPolicy

from .helpers import Sleeps


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fast_retry() -> RetryPolicy:
    return RetryPolicy(max_attempts=5, max_bad_response_attempts=3, backoff_base=0.5, backoff_max=4.0)
