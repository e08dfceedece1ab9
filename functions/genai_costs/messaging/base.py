from __future__ import annotations

import abc
from collections.abc import Mapping


class Publisher(abc.ABC):
    @abc.abstractmethod
    def publish(self, topic: str, payload: Mapping, attributes: Mapping[str, str] | None = None) -> str:
        """Publish a JSON payload; return the message id."""
