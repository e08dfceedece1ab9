"""Masking secret values wherever they would appear: logs, ledger rows, error messages.

Every secret value this process reads is registered here (the secret stores do it on read, provider
clients for the tokens they fetch). :func:`redact` then masks, in any text:

- every registered string whole, in each form it takes when a server echoes it: raw, URL-encoded
  (``quote`` with and without ``/`` kept, ``quote_plus``, lower-case hex too), JSON-escaped (ASCII or
  not, ``/`` escaped or not) and base64 (standard and URL-safe, at each of the three byte alignments,
  so the key inside ``base64("user:" + key)`` of an HTTP Basic header is found too);
- for credentials (a raw value, or a value under a key such as ``admin_api_key``, ``client_secret``,
  ``*_token``, ``private_key`` in a secret's JSON), also every run of :data:`PIECE` or more consecutive
  characters of any of those forms: what is left of an echo that a server or any truncation cut.
  Pieces that read as plain lower-case text (letters, ``-_.:/`` and spaces only, such as ``-anthrop``
  from a simulator key naming its provider) are left out: masking them would mask those words in
  every message, while a random key's pieces nearly always hold a digit, a capital or a symbol.

Redact before truncating: a cut made after masking cannot expose anything; the pieces rule catches
the cuts made before the text reached us.
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

MASK = "[REDACTED]"
MIN_SECRET = 8  # shorter strings are not masked whole: too likely to be ordinary words
PIECE = 8  # at most PIECE - 1 consecutive characters of a credential can survive, in any form

_CREDENTIAL_KEY = re.compile(r"key|secret|token|password|passphrase|private|credential", re.IGNORECASE)
_NOT_CREDENTIAL_KEY = re.compile(r"(_url|_uri|_endpoint|_id)$", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9A-F]{2}")
_PLAIN_TEXT = re.compile(r"[a-z\-_.:/ ]+")


class _Registry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.whole: set[str] = set()
        self.credentials: set[str] = set()
        self.pieces: set[str] = set()
        self.pattern: re.Pattern[str] | None = None

    def add(self, value: str, *, credential: bool) -> None:
        if len(value) < MIN_SECRET:
            return
        with self.lock:  # registered on every read: only a new value costs anything
            if value in (self.credentials if credential else self.whole):
                return
        encoded = forms(value)
        with self.lock:
            self.whole |= encoded | {value}
            if credential:
                self.credentials.add(value)
                self.pieces |= {
                    piece
                    for f in encoded
                    for i in range(len(f) - PIECE + 1)
                    if not _PLAIN_TEXT.fullmatch(piece := f[i : i + PIECE])
                }
            self.pattern = None

    def compiled(self) -> tuple[re.Pattern[str] | None, frozenset[str]]:
        with self.lock:
            if self.pattern is None and self.whole:
                alternatives = sorted(self.whole, key=len, reverse=True)
                self.pattern = re.compile("|".join(map(re.escape, alternatives)))
            return self.pattern, frozenset(self.pieces)


_registry = _Registry()


def _base64_cores(data: bytes) -> Iterator[str]:
    """The base64 characters that only ``data`` decides, for each alignment of ``data`` in a longer text."""
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data + b"\0\0").decode()
        first = math.ceil(offset * 8 / 6)
        last = (8 * (offset + len(data))) // 6  # exclusive: characters with bits from ``data`` only
        core = encoded[first:last]
        yield core
        yield core.replace("+", "-").replace("/", "_")


def forms(value: str) -> set[str]:
    """``value`` as it can appear in an echo (see the module docstring)."""
    escaped = json.dumps(value)[1:-1]
    out = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        escaped,
        escaped.replace("/", "\\/"),
        json.dumps(value, ensure_ascii=False)[1:-1],
        *_base64_cores(value.encode()),
    }
    out |= {_PERCENT.sub(lambda m: m.group().lower(), f) for f in out if "%" in f}
    return {f for f in out if len(f) >= MIN_SECRET}


def _strings(obj: object, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, str(k))
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v, key)
    elif isinstance(obj, str):
        yield key, obj


def _is_credential(key: str, value: str) -> bool:
    return bool(_CREDENTIAL_KEY.search(key)) and not _NOT_CREDENTIAL_KEY.search(key) and not _URL.match(value)


def register_secret(value: str) -> None:
    """Remember a secret so :func:`redact` masks it: a credential itself, or a secret's JSON document
    (each string in it masked whole; those under credential keys also in pieces)."""
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        _registry.add(value, credential=False)
        for key, text in _strings(parsed):
            _registry.add(text, credential=_is_credential(key, text))
        return
    _registry.add(value, credential=True)


def redact(text: str) -> str:
    pattern, pieces = _registry.compiled()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if not pieces or len(text) < PIECE:
        return text
    covered = bytearray(len(text))
    for i in range(len(text) - PIECE + 1):
        if text[i : i + PIECE] in pieces:
            covered[i : i + PIECE] = b"\1" * PIECE
    if not any(covered):
        return text
    out, i = [], 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append(MASK)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
