from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any


class Publisher(abc.ABC):
    @abc.abstractmethod
    def publish(self, topic: str, payload: Mapping[str, Any], attributes: Mapping[str, str] | None = None) -> str:
        """Publish a JSON payload; return the message id."""
