import pytest

from genai_costs.errors import ConfigurationError
from genai_costs.providers.base import ProviderClient
from genai_costs.providers.ids import PROVIDERS
from genai_costs.providers.registry import build_client

from .helpers import ANTHROPIC_KEY, AWS_SECRET, AZURE_SECRET, GCP_TOKEN, OPENAI_KEY

MINIMAL = {
    "openai": {"admin_api_key": OPENAI_KEY},
    "anthropic": {"admin_api_key": ANTHROPIC_KEY},
    "azure_openai": {
        "tenant_id": "t",
        "client_id": "c",
        "client_secret": AZURE_SECRET,
        "subscription_id": "s",
        "resource_group": "rg",
        "account_name": "a",
    },
    "aws_bedrock": {"aws_access_key_id": "AKID", "aws_secret_access_key": AWS_SECRET},
    "vertex_ai": {"project_id": "p", "access_token": GCP_TOKEN},
    "gemini": {"project_id": "p", "access_token": GCP_TOKEN},
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_provider_builds_a_protocol_client(provider):
    client = build_client(provider, MINIMAL[provider], secret_name=f"genai-acme-{provider}")
    assert isinstance(client, ProviderClient) and client.provider == provider


def test_unknown_provider_and_bad_options():
    with pytest.raises(ConfigurationError):
        build_client("mistral", {}, secret_name="x")
    with pytest.raises(ConfigurationError):
        build_client("openai", MINIMAL["openai"], secret_name="x", options={"bucket_width": "5m"})
