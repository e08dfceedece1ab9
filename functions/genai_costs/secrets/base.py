"""The secret-store interface. Values are returned, never logged: every value read is
registered with :mod:`genai_costs.logs` so it is masked if it ever reaches a log line."""

from __future__ import annotations

import abc
import datetime as dt
import re

from pydantic import BaseModel

from ..errors import ValidationError

_SECRET_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")


def check_secret_id(secret_id: str) -> str:
    if not _SECRET_ID.fullmatch(secret_id):
        raise ValidationError(f"invalid secret id {secret_id[:60]!r}")
    return secret_id


class SecretInfo(BaseModel):
    secret_id: str
    versions: int
    updated_at: dt.datetime | None


class SecretStore(abc.ABC):
    @abc.abstractmethod
    def get(self, secret_id: str) -> str:
        """The latest version's value; raises SecretNotFoundError."""

    @abc.abstractmethod
    def put(self, secret_id: str, value: str) -> int:
        """Add a new version; returns its number."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> list[SecretInfo]:
        """Secret ids and version counts; never values."""
