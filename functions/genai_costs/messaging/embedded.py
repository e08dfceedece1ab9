"""The embedded default's publisher: the in-process bus of the process hosting the functions.

In the cloud a function publishes to Pub/Sub. On a laptop the process that runs the functions (the
local pipeline, a test, a benchmark) owns an in-process bus with its subscribers, and installs it here
for as long as it runs them, so the very same entry points publish through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import ConfigurationError
from .base import Publisher

_installed: list[Publisher] = []


@contextmanager
def installed(publisher: Publisher) -> Iterator[Publisher]:
    """Make ``publisher`` the embedded publisher inside the block (blocks nest)."""
    _installed.append(publisher)
    try:
        yield publisher
    finally:
        _installed.remove(publisher)


def current() -> Publisher:
    if not _installed:
        raise ConfigurationError(
            "no Pub/Sub project configured (GENAI_COSTS_GCP_PROJECT) and no in-process bus installed: "
            "run the embedded pipeline (genai-costs run) or install one with messaging.embedded.installed(bus)"
        )
    return _installed[-1]
