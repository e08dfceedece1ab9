"""Mutable per-server state: data set (with its revision), fault queues and the request log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response

from provider_sim.config import SimConfig
from provider_sim.dataset import Dataset
from provider_sim.faults import FaultQueues
from provider_sim.invocation_logs import InvocationLog
from provider_sim.traffic import Delivery, Traffic

_SECRET_PARAMS = {"key", "api_key", "access_token", "token", "x-api-key", "sig", "signature"}
_SECRET_HEADERS = ("authorization", "x-api-key", "api-key", "x-goog-api-key", "x-amz-security-token")


class ErrorShapes:
    """A provider surface's own error bodies; the fault middleware and auth checks use them."""

    def auth(self, expired: bool) -> Response:
        raise NotImplementedError

    def throttled(self) -> Response:
        raise NotImplementedError

    def server_error(self) -> Response:
        raise NotImplementedError

    def gone(self) -> Response:
        """410 Gone (the `gone` fault): a receiver telling the sender to stop."""
        return Response('{"error": "gone"}', status=410, mimetype="application/json")


@dataclass(frozen=True)
class Surface:
    prefix: str
    provider: str  # fault-plan key: openai | anthropic | azure | aws | gcp, or an alert channel
    errors: ErrorShapes


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def add(
        self,
        method: str,
        path: str,
        provider: str | None,
        status: int,
        fault: str | None,
        args: dict[str, list[str]],
        headers: Callable[[str], str | None],
    ) -> None:
        entry = {
            "method": method,
            "path": path,
            "provider": provider,
            "status": status,
            "fault": fault,
            "query": {k: ["[REDACTED]"] * len(v) if k.lower() in _SECRET_PARAMS else v for k, v in args.items()},
            "credentials": {h: "[REDACTED]" for h in _SECRET_HEADERS if headers(h)},
        }
        with self._lock:
            entry["seq"] = len(self._entries)
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class SimState:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.dataset = Dataset(config)
        self.faults = FaultQueues(config.faults)
        self.log = RequestLog()
        self.bigquery_jobs: dict[str, dict[str, Any]] = {}
        self.traffic = Traffic(self.dataset, config.traffic)
        self.invocation_log = InvocationLog(self.traffic)
        self._deliveries: list[Delivery] | None = None
        self._traffic_lock = threading.Lock()

    def deliveries(self) -> list[Delivery]:
        """The application traffic's requests, computed once (they never change for a config)."""
        with self._traffic_lock:
            if self._deliveries is None:
                self._deliveries = self.traffic.deliveries()
            return self._deliveries
