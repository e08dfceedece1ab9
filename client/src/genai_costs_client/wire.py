"""The record_usage wire contract as the client needs it: limits, encoding, batch splitting.

The limits mirror ``genai_costs.model.usage_event`` on the server (docs/usage-events.md); the client
keeps its own copy so that it never imports the server library or pydantic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MAX_EVENTS_PER_BATCH = 1_000
MAX_BATCH_BYTES = 5_000_000
MAX_TAGS = 20
MAX_TAG_KEY_CHARS = 64
MAX_TAG_VALUE_CHARS = 256
TAG_KEY_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.:/-]*")

_PREFIX = b'{"events":['
_SUFFIX = b"]}"


@dataclass(frozen=True)
class Batch:
    """Events ready to send: the dicts (for in-process sinks) and the exact request body."""

    events: tuple[Mapping[str, Any], ...]
    body: bytes


def encode_event(event: Mapping[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def split_batches(
    events: list[Mapping[str, Any]],
    encoded: list[bytes],
    *,
    max_events: int = MAX_EVENTS_PER_BATCH,
    max_bytes: int = MAX_BATCH_BYTES,
) -> Iterator[Batch]:
    """Consecutive batches of at most ``max_events`` events whose body is at most ``max_bytes``.

    An event that alone exceeds ``max_bytes`` cannot be sent; the caller filters those out first.
    """
    overhead = len(_PREFIX) + len(_SUFFIX)
    start, size = 0, overhead
    for i, item in enumerate(encoded):
        added = len(item) + (1 if i > start else 0)  # the comma
        if i > start and (i - start >= max_events or size + added > max_bytes):
            yield _batch(events[start:i], encoded[start:i])
            start, size, added = i, overhead, len(item)
        size += added
    if start < len(encoded):
        yield _batch(events[start:], encoded[start:])


def _batch(events: list[Mapping[str, Any]], encoded: list[bytes]) -> Batch:
    return Batch(events=tuple(events), body=_PREFIX + b",".join(encoded) + _SUFFIX)


def fits_alone(encoded: bytes, max_bytes: int = MAX_BATCH_BYTES) -> bool:
    return len(encoded) + len(_PREFIX) + len(_SUFFIX) <= max_bytes


def bounded_tags(tags: Mapping[Any, Any]) -> tuple[dict[str, str], list[str]]:
    """The tags the server will accept, and what was dropped (the server would reject the whole event)."""
    kept: dict[str, str] = {}
    dropped: list[str] = []
    for key, value in tags.items():
        key = str(key)
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if len(kept) >= MAX_TAGS:
            dropped.append(f"{key[:64]} (more than {MAX_TAGS} tags)")
        elif len(key) > MAX_TAG_KEY_CHARS or not TAG_KEY_PATTERN.fullmatch(key):
            dropped.append(f"{key[:64]} (key must match {TAG_KEY_PATTERN.pattern}, at most {MAX_TAG_KEY_CHARS})")
        elif len(text) > MAX_TAG_VALUE_CHARS:
            dropped.append(f"{key} (value longer than {MAX_TAG_VALUE_CHARS})")
        else:
            kept[key] = text
    return kept, dropped
