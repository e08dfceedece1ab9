"""The CLI half of class 9 of issue 10: ``genai-costs secrets set --help`` documents each provider's
secret format, and a secret is checked when it is stored: ``{}`` is refused naming the missing field,
an unknown or malformed field is named, nothing is stored, and no value is ever echoed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genai_costs.providers.ids import PROVIDERS
from genai_costs.providers.registry import credentials_model
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs_cli.app import SECRET_FORMATS, app

SECRET_VALUE = "sk-admin-SECRET-VALUE-0123456789"


def secrets_set(provider: str, body: str, org: str = "acme"):
    return CliRunner().invoke(app, ["secrets", "set", org, provider], input=body)


def stored(org: str = "acme") -> list[str]:
    get_settings.cache_clear()
    return [info.secret_id for info in open_secret_store(get_settings()).list(f"genai-{org}-")]


@pytest.mark.parametrize(
    "provider, missing", [("openai", "admin_api_key"), ("azure_openai", "client_secret"), ("vertex_ai", "project_id")]
)
def test_an_empty_object_is_refused_naming_the_missing_field(provider, missing):
    result = secrets_set(provider, "{}")
    assert result.exit_code == 2 and missing in result.output and "Field required" in result.output
    assert stored() == []


@pytest.mark.parametrize(
    "body, named",
    [
        (json.dumps({"admin_api_key": SECRET_VALUE, "admin_key": "typo-SECRET-9876543210"}), "admin_key"),
        (json.dumps({"admin_api_key": 12345678901234}), "admin_api_key"),
        (SECRET_VALUE, "not a JSON document"),
        ('{"admin_api_key": "' + SECRET_VALUE + '"', "not a JSON document"),
    ],
    ids=["unknown-field", "wrong-type", "bare-key", "truncated-json"],
)
def test_a_bad_secret_is_refused_without_echoing_a_value(body, named):
    result = secrets_set("openai", body)
    assert result.exit_code == 2 and named in result.output
    for value in (SECRET_VALUE, "typo-SECRET-9876543210", "12345678901234", "SECRET-VALUE"):
        assert value not in result.output
    assert stored() == []


def test_a_valid_secret_is_stored():
    result = secrets_set("openai", json.dumps({"admin_api_key": SECRET_VALUE}))
    assert result.exit_code == 0 and SECRET_VALUE not in result.output
    assert stored() == ["genai-acme-openai"]


def test_the_help_documents_every_provider_format():
    text = " ".join(CliRunner().invoke(app, ["secrets", "set", "--help"], terminal_width=200).output.split())
    for provider in PROVIDERS:
        assert f"{provider}: {SECRET_FORMATS[provider]}" in text


def test_the_readme_documents_every_provider_format():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for provider in PROVIDERS:
        assert f"| `{provider}` | `{SECRET_FORMATS[provider]}` |" in readme


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_documented_format_is_the_one_the_client_accepts(provider):
    documented = dict(re.findall(r'"(\w+)"(\??)', SECRET_FORMATS[provider]))
    fields = credentials_model(provider).model_fields
    assert set(documented) == set(fields)
    assert {name for name, optional in documented.items() if not optional} == {
        name for name, field in fields.items() if field.is_required()
    }
