"""Hash-based determinism: per-key seeds and ids that never depend on Python's salted hash()."""

from __future__ import annotations

import hashlib
import random

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _digest(parts: tuple[object, ...]) -> bytes:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()


def stable_seed(*parts: object) -> int:
    return int.from_bytes(_digest(parts)[:8], "big")


def stable_rng(*parts: object) -> random.Random:
    return random.Random(stable_seed(*parts))


def stable_id(prefix: str, *parts: object, length: int = 24) -> str:
    number = int.from_bytes(_digest(parts), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return prefix + "".join(chars)


def stable_digits(*parts: object, length: int = 12) -> str:
    return str(stable_seed(*parts) % 10**length).zfill(length)


def stable_hex(*parts: object, length: int = 12) -> str:
    return _digest(parts).hex().upper()[:length]
