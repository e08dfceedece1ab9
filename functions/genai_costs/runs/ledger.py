"""The run ledger: an append-only event per run state (started, succeeded, failed), and
``abandoned``, appended by a later run for a run that was killed before it could say how it ended."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from ..model.window import Window
from ..paths import sql_root
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs

LEDGER_TABLE = "genai_ingestion_runs"
RunStatus = Literal["started", "succeeded", "failed", "abandoned"]


@dataclass
class Run:
    org_slug: str
    provider: str
    flow: str
    window: Window
    trigger_id: str | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _t0: float = field(default_factory=time.monotonic)

    def describe(self) -> str:
        return (
            f"{self.flow} run {self.run_id} for {self.org_slug}/{self.provider} {self.window.start}..{self.window.end}"
        )

    def event(self, status: RunStatus, **extra: Any) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        row: dict[str, Any] = {
            "run_id": self.run_id,
            "event_date": now.date(),
            "event_at": now,
            "org_slug": self.org_slug,
            "provider": self.provider,
            "flow": self.flow,
            "window_start": self.window.start,
            "window_end": self.window.end,
            "status": status,
            "trigger_id": self.trigger_id,
            "started_at": self.started_at,
        }
        if status != "started":
            row["duration_ms"] = int((time.monotonic() - self._t0) * 1000)
        return row | extra


def record_event(warehouse: Warehouse, dataset: str, row: dict[str, Any]) -> None:
    spec = load_table_specs(sql_root())[LEDGER_TABLE]
    warehouse.load_rows(dataset, spec, [row])


def close_abandoned(warehouse: Warehouse, dataset: str, run: Run, *, stale_after: dt.timedelta) -> int:
    """Append ``abandoned`` for every run of ``run``'s organization, flow and provider whose window
    overlaps ``run``'s and that has recorded nothing since ``started`` for longer than ``stale_after``
    (the function timeout: such a process is dead). Returns how many were closed."""
    params = {
        "p_org_slug": run.org_slug,
        "p_flow": run.flow,
        "p_provider": run.provider,
        "p_window_start": run.window.start,
        "p_window_end": run.window.end,
        "p_stale_before": dt.datetime.now(dt.UTC) - stale_after,
        "p_closed_by": run.run_id,
    }
    return warehouse.execute(dataset, load_statement(sql_root(), "ledger_close_abandoned"), params)
