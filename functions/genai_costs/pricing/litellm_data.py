"""LiteLLM's price data file as the sync reads it: the pinned member of the pinned wheel.

``data/litellm.pin.json`` names the release, the member and its SHA-256; ``make price-data``
(``scripts/fetch_litellm_prices.py``) extracts the member next to it with ``pip download --no-deps``.
LiteLLM's library and its dependencies are never installed or imported, in development or in the
deployed function: the library tree (with this data file) is what every function archive carries.
Loading verifies the hash, so a stale or edited file is refused rather than silently used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError

DATA_DIR = Path(__file__).resolve().parent / "data"
PIN_FILE = DATA_DIR / "litellm.pin.json"


@dataclass(frozen=True)
class LiteLLMPin:
    package: str
    version: str
    member: str
    sha256: str
    bundled_as: str

    @property
    def path(self) -> Path:
        return DATA_DIR / self.bundled_as


@dataclass(frozen=True)
class LiteLLMData:
    """The parsed file: model key -> entry. Numbers are Decimals of the file's own digits."""

    version: str
    sha256: str
    entries: dict[str, Any]


def load_pin(path: Path | None = None) -> LiteLLMPin:
    path = path or PIN_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return LiteLLMPin(**{k: str(raw[k]) for k in ("package", "version", "member", "sha256", "bundled_as")})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"{path.name} is not a valid LiteLLM pin: {exc}") from exc


def parse_litellm(raw: bytes | str, *, version: str) -> LiteLLMData:
    """Parse LiteLLM's JSON keeping every number exact (never through float)."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        entries = json.loads(data, parse_float=Decimal)
    except ValueError as exc:
        raise ConfigurationError(f"LiteLLM price data is not valid JSON: {exc}") from exc
    if not isinstance(entries, dict):
        raise ConfigurationError("LiteLLM price data must be a JSON object of model entries")
    return LiteLLMData(version=version, sha256=hashlib.sha256(data).hexdigest(), entries=entries)


@lru_cache(maxsize=1)
def load_bundled() -> LiteLLMData:
    """The pinned file, verified against the pin."""
    pin = load_pin()
    if not pin.path.is_file():
        raise ConfigurationError(
            f"LiteLLM price data {pin.path.name} is missing: run `make price-data` "
            f"(extracts {pin.member} from {pin.package}=={pin.version})"
        )
    raw = pin.path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != pin.sha256:
        raise ConfigurationError(
            f"{pin.path.name} does not match {pin.package}=={pin.version} (sha256 {digest[:12]}…, pinned "
            f"{pin.sha256[:12]}…): run `make price-data`"
        )
    return parse_litellm(raw, version=pin.version)
