"""Fault injection: per provider, an ordered queue of faults consumed one per request.

``repeat`` serves the page normally but hands out a FRESH cursor that leads to the same page again
(then on to the real next page): the client sees one page twice under two different cursors, as a
provider whose paging restarts or replays does. Only for cursor-paged JSON surfaces
(:data:`REPEATABLE`).
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

PROVIDERS = ("openai", "anthropic", "azure", "aws", "gcp", "slack", "sendgrid", "twilio", "webhook")
KINDS = ("429", "500", "slow", "truncated", "expired_key", "gone", "ok", "repeat")


@dataclass(frozen=True)
class CursorStyle:
    """Where a surface's pages carry their cursor: the request parameter and the response fields."""

    param: str  # query parameter the client sends the cursor in
    next_field: str  # response field holding the next page's cursor
    more_field: str | None = None  # response flag saying a next page exists, if the API has one


# Surfaces whose pages can be repeated, by fault-plan provider (gcp: Cloud Monitoring time series).
REPEATABLE = {
    "openai": CursorStyle("page", "next_page", "has_more"),
    "anthropic": CursorStyle("page", "next_page", "has_more"),
    "gcp": CursorStyle("pageToken", "nextPageToken"),
}


class CursorAliases:
    """Fresh cursors handed out by ``repeat`` faults, each standing for the cursor of the page it repeats."""

    PREFIX = "simrepeat_"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._aliases: dict[str, str | None] = {}

    def issue(self, original: str | None) -> str:
        alias = f"{self.PREFIX}{uuid.uuid4().hex}"
        with self._lock:
            self._aliases[alias] = original
        return alias

    def resolve(self, cursor: str) -> tuple[bool, str | None]:
        """(is an alias, the cursor it stands for; None = the first page)."""
        with self._lock:
            if cursor in self._aliases:
                return True, self._aliases[cursor]
        return False, cursor


@dataclass(frozen=True)
class Fault:
    kind: str
    ms: int | None = None  # only for `slow`

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")

    @classmethod
    def parse(cls, raw: str | dict[str, Any]) -> Fault:
        if isinstance(raw, str):
            return cls(kind=raw)
        return cls(kind=str(raw["kind"]), ms=int(raw["ms"]) if raw.get("ms") is not None else None)


@dataclass(frozen=True)
class FaultPlan:
    """Initial faults per provider, e.g. FaultPlan({"openai": (Fault("429"), Fault("ok"))})."""

    by_provider: dict[str, tuple[Fault, ...]] = field(default_factory=dict)


class FaultQueues:
    """Thread-safe queues; `ok` entries let a plan skip requests between faults."""

    def __init__(self, plan: FaultPlan) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {p: deque() for p in PROVIDERS}
        for provider, faults in plan.by_provider.items():
            self.add(provider, faults)

    def add(self, provider: str, faults: tuple[Fault, ...] | list[Fault]) -> None:
        if provider not in self._queues:
            raise ValueError(f"unknown provider {provider!r}; expected one of {PROVIDERS}")
        if any(f.kind == "repeat" for f in faults) and provider not in REPEATABLE:
            raise ValueError(f"fault 'repeat' needs cursor paging; {provider!r} is not one of {sorted(REPEATABLE)}")
        with self._lock:
            self._queues[provider].extend(faults)

    def pop(self, provider: str) -> Fault | None:
        with self._lock:
            queue = self._queues.get(provider)
            return queue.popleft() if queue else None

    def clear(self) -> None:
        with self._lock:
            for queue in self._queues.values():
                queue.clear()

    def pending(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {p: [{"kind": f.kind, "ms": f.ms} for f in q] for p, q in self._queues.items() if q}
