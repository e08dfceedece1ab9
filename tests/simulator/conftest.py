"""Fixtures for the provider simulator tests (in-process WSGI; real sockets only where needed)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

try:
    import provider_sim

    if getattr(provider_sim, "__file__", None) is None:  # stale editable install: namespace only
        raise ImportError("provider_sim resolved to a namespace package")
except ImportError:
    sys.modules.pop("provider_sim", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "simulator"))

from provider_sim import Paging, SimConfig, create_app, serve

WINDOW = {"start": date(2025, 10, 1), "end": date(2025, 10, 11)}


def make_config(**overrides: object) -> SimConfig:
    return SimConfig(**{**WINDOW, **overrides})  # type: ignore[arg-type]


def make_client(config: SimConfig | None = None) -> httpx.Client:
    app = create_app(config or make_config())
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sim")


@pytest.fixture
def config() -> SimConfig:
    return make_config()


@pytest.fixture
def client(config: SimConfig) -> Iterator[httpx.Client]:
    with make_client(config) as c:
        yield c


@pytest.fixture(scope="module")
def live_server() -> Iterator[tuple[str, SimConfig]]:
    config = make_config(paging=Paging(aws_cw_datapoints=50, aws_ce_groups=20, bigquery_rows=500))
    base_url, stop = serve(config)
    yield base_url, config
    stop()


@pytest.fixture
def client_for() -> Iterator:
    """Factory for extra in-process clients with their own config overrides."""
    clients: list[httpx.Client] = []

    def build(**overrides: object) -> httpx.Client:
        clients.append(make_client(make_config(**overrides)))
        return clients[-1]

    yield build
    for c in clients:
        c.close()
