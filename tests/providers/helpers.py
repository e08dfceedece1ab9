"""Helpers for provider contract tests: fixtures from documented examples, mock HTTP, no waits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

FIXTURES = Path(__file__).parent / "fixtures"

# Credential values used in tests; they must never appear in logs or exception strings.
OPENAI_KEY = "sk-admin-TESTSECRET-openai-9f8e7d6c5b4a"
ANTHROPIC_KEY = "sk-ant-admin01-TESTSECRET-anthropic-1a2b3c4d"
AZURE_SECRET = "azure-client-secret-TESTSECRET-5e6f7a8b"
AWS_SECRET = "aws/secret+TESTSECRET/0123456789abcdefghijABCDEFGHIJ"
GCP_TOKEN = "ya29.TESTSECRET-gcp-access-token-xyz"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class Sleeps(list):
    """Injected sleep: records requested waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def wrapped(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.Client(transport=httpx.MockTransport(wrapped)), seen


def sequence(*responses: httpx.Response | Callable[[httpx.Request], httpx.Response]):
    """Handler answering each request with the next response (callables get the request)."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        if not queue:
            raise AssertionError(f"unexpected extra request {request.method} {request.url}")
        item = queue.pop(0)
        return item(request) if callable(item) else item

    return handler
