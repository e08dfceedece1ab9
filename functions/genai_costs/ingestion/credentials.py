"""An organization's provider credentials: the JSON object in secret ``genai-{org}-{provider}``."""

from __future__ import annotations

import json
from typing import Any

from ..errors import ConfigurationError, SecretNotFoundError
from ..providers.ids import secret_id
from ..secrets.base import SecretStore


def load_credentials(secrets: SecretStore, org_slug: str, provider: str) -> tuple[str, dict[str, Any]]:
    """(secret id, parsed credentials); ConfigurationError when the secret is missing or not an object."""
    name = secret_id(org_slug, provider)
    try:
        raw = secrets.get(name)
    except SecretNotFoundError as exc:
        raise ConfigurationError(f"no credentials for {provider}: secret {name} is missing") from exc
    try:
        creds = json.loads(raw)
        if not isinstance(creds, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        raise ConfigurationError(f"secret {name} must hold a JSON object") from exc
    return name, creds
