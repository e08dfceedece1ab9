from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any


class Publisher(abc.ABC):
    @abc.abstractmethod
    def publish(
        self,
        topic: str,
        payload: Mapping[str, Any] | bytes,
        attributes: Mapping[str, str] | None = None,
        *,
        ordering_key: str | None = None,
    ) -> str:
        """Publish one message (a JSON object, or bytes already serialized); return its message id.
        Returns only once the message is accepted; raises when it was not (it may then have been, or
        not: publishers retry with idempotent content). Messages with the same ``ordering_key`` are
        delivered in publish order (on a subscription with message ordering enabled)."""
