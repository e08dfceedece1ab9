"""A live simulator on loopback (module-wide), its admin client, a sealed secret store and an
alert HTTP client with a short timeout."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from genai_costs.alerting.http import new_http_client
from genai_costs.secrets.local import LocalSecretStore
from provider_sim import serve

from .helpers import store_sim_secrets


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    base_url, stop = serve()
    yield base_url
    stop()


@pytest.fixture
def sim(sim_url: str) -> Iterator[httpx.Client]:
    """Admin client; faults, recorded messages and the request log are cleared around each test."""
    with httpx.Client(base_url=sim_url, timeout=10) as client:
        _reset(client)
        yield client
        _reset(client)


def _reset(client: httpx.Client) -> None:
    for path in ("/_sim/faults", "/_sim/channels/messages", "/_sim/requests"):
        client.delete(path)


@pytest.fixture
def store(tmp_path) -> LocalSecretStore:
    return LocalSecretStore(tmp_path / "secrets", tmp_path / "secrets.key")


@pytest.fixture
def secrets(store: LocalSecretStore, sim_url: str) -> dict[str, str]:
    return store_sim_secrets(store, sim_url)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    client = new_http_client(timeout=0.5)
    yield client
    client.close()
