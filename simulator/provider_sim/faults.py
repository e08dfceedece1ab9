"""Fault injection: per provider, an ordered queue of faults consumed one per request."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

PROVIDERS = ("openai", "anthropic", "azure", "aws", "gcp", "slack", "sendgrid", "twilio", "webhook")
KINDS = ("429", "500", "slow", "truncated", "expired_key", "gone", "ok")


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
