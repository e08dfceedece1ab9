"""Failing runs for every provider: no credential value in any log record or exception string."""

import logging
import traceback
from datetime import date

import httpx
import pytest
from botocore.stub import Stubber

from genai_costs.errors import GenAICostsError
from genai_costs.model.window import Window
from genai_costs.providers.http import RetryPolicy
from genai_costs.providers.registry import build_client

from .helpers import ANTHROPIC_KEY, AWS_SECRET, AZURE_SECRET, GCP_TOKEN, OPENAI_KEY, load, mock_client

DAY = Window(start=date(2025, 8, 1), end=date(2025, 8, 2))
SECRETS = [OPENAI_KEY, ANTHROPIC_KEY, AWS_SECRET, AZURE_SECRET, GCP_TOKEN, load("azure_token.json")["access_token"]]
POLICY = RetryPolicy(max_attempts=2, max_bad_response_attempts=2)


def echo_secret(status):
    """A hostile provider that echoes the credential it received back in its error body."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "login.test" and status != 401:
            return httpx.Response(200, json=load("azure_token.json"))
        echoed = (
            " ".join(f"{k}={v}" for k, v in request.headers.items()) + " " + request.content.decode(errors="ignore")
        )
        return httpx.Response(status, headers={"retry-after": "0"}, text=f'{{"error": "{echoed}"')

    return handler


HTTP_CASES = {
    "openai": {"admin_api_key": OPENAI_KEY, "base_url": "https://oai.test/v1"},
    "anthropic": {"admin_api_key": ANTHROPIC_KEY, "base_url": "https://ant.test"},
    "azure_openai": {
        "tenant_id": "t",
        "client_id": "c",
        "client_secret": AZURE_SECRET,
        "subscription_id": "s",
        "resource_group": "rg",
        "account_name": "a",
        "arm_base_url": "https://arm.test",
        "login_base_url": "https://login.test",
    },
    "vertex_ai": {"project_id": "p", "access_token": GCP_TOKEN, "monitoring_base_url": "https://mon.test"},
    "gemini": {"project_id": "p", "access_token": GCP_TOKEN, "monitoring_base_url": "https://mon.test"},
}


def run_and_collect(fn) -> list[str]:
    texts = []
    try:
        fn()
    except GenAICostsError as exc:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    else:
        raise AssertionError("expected a failure")
    return texts


def assert_clean(texts, caplog):
    blob = "\n".join(texts + [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records])
    for secret in SECRETS:
        assert secret not in blob


@pytest.mark.parametrize("provider", sorted(HTTP_CASES))
@pytest.mark.parametrize("status", [401, 403, 400, 429, 500, 200])
def test_http_providers_never_leak(provider, status, caplog, sleeps):
    caplog.set_level(logging.DEBUG)
    http, _ = mock_client(echo_secret(status))
    client = build_client(
        provider, HTTP_CASES[provider], secret_name=f"genai-acme-{provider}", http=http, retry=POLICY, sleep=sleeps
    )
    texts = [repr(client.credentials), str(client.credentials)]
    texts += run_and_collect(lambda: list(client.iter_usage(DAY)))
    if provider != "gemini" and provider != "vertex_ai":
        texts += run_and_collect(lambda: list(client.iter_costs(DAY)))
    assert_clean(texts, caplog)


def test_aws_never_leaks(caplog, sleeps):
    caplog.set_level(logging.DEBUG)
    creds = {
        "aws_access_key_id": "AKIDEXAMPLE",
        "aws_secret_access_key": AWS_SECRET,
        "aws_session_token": AWS_SECRET + "tok",
    }
    client = build_client(
        "aws_bedrock",
        creds,
        secret_name="genai-acme-aws_bedrock",
        retry=POLICY,
        sleep=sleeps,
        options={"model_ids": ["m"]},
    )
    texts = [repr(client.credentials)]
    with Stubber(client.cloudwatch) as cw, Stubber(client.ce) as ce:
        cw.add_client_error("get_metric_data", "AccessDenied", f"denied for {AWS_SECRET}", 403)
        ce.add_client_error("get_cost_and_usage", "ValidationException", f"bad request {AWS_SECRET}", 400)
        texts += run_and_collect(lambda: list(client.iter_usage(DAY)))
        texts += run_and_collect(lambda: list(client.iter_costs(DAY)))
    assert_clean(texts, caplog)


@pytest.mark.parametrize(
    "provider,creds",
    [
        ("openai", {"admin_api_key": {"nested": OPENAI_KEY}}),
        ("anthropic", {"admin_api_key": ANTHROPIC_KEY, "unexpected": ANTHROPIC_KEY}),
        ("azure_openai", {"client_secret": AZURE_SECRET}),
        ("aws_bedrock", {"aws_secret_access_key": AWS_SECRET}),
        ("vertex_ai", {"access_token": GCP_TOKEN, "project_id": ["x"]}),
    ],
)
def test_invalid_secret_contents_never_echoed(provider, creds, caplog):
    caplog.set_level(logging.DEBUG)
    texts = run_and_collect(lambda: build_client(provider, creds, secret_name=f"genai-acme-{provider}"))
    assert f"genai-acme-{provider}" in texts[0]
    assert_clean(texts, caplog)
