"""Write leases (``genai_run_leases``): at most one run of an organization, flow and provider at a time.

A scheduled run and a backfill of the same provider would otherwise both replace overlapping
windows; on BigQuery two transactions that find a window empty both insert, and its rows land
twice. The lease closes that door:

- :meth:`WindowLease.acquire` takes the lease with one conditional UPDATE (free or lapsed). Taking
  it is atomic on both engines: BigQuery serializes concurrent UPDATEs of one table (the loser fails
  with a concurrent-update error and BigQuery reruns it, now finding the row held), DuckDB lets one
  writer commit. A run that finds the lease held fails fast with the transient
  :class:`RunConflictError`: Pub/Sub redelivers the message later, when the holder is done.
- :meth:`WindowLease.renew` extends it right before the run writes, and refuses (transient) if it
  lapsed and another run took it, so a run that outlived its lease never writes.
- :meth:`WindowLease.release` frees it when the run ends, however it ends. A run that was killed
  never releases: its lease lapses on its own at ``expires_at`` (the function timeout after it was
  last taken or renewed), and the next run takes it.

One lease per organization, flow and provider (the holder's window is recorded): it serializes
every run of that provider, whatever their windows, which also keeps the provider's rate limits
for one run at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from ..errors import RunConflictError
from ..paths import sql_root
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from .ledger import Run

log = logging.getLogger(__name__)


@dataclass
class WindowLease:
    warehouse: Warehouse
    dataset: str
    run: Run
    ttl: dt.timedelta

    def _params(self, *names: str) -> dict[str, object]:
        values: dict[str, object] = {
            "p_org_slug": self.run.org_slug,
            "p_flow": self.run.flow,
            "p_provider": self.run.provider,
            "p_run_id": self.run.run_id,
            "p_window_start": self.run.window.start,
            "p_window_end": self.run.window.end,
            "p_ttl_seconds": int(self.ttl.total_seconds()),
        }
        return {k: values[k] for k in ("p_org_slug", "p_flow", "p_provider", *names)}

    def _execute(self, statement: str, *names: str) -> int:
        return self.warehouse.execute(self.dataset, load_statement(sql_root(), statement), self._params(*names))

    def acquire(self) -> None:
        self._execute("lease_ensure")
        taken = self._execute("lease_acquire", "p_run_id", "p_window_start", "p_window_end", "p_ttl_seconds")
        if not taken:
            raise RunConflictError(f"{self.run.describe()} not started: {self._holder()}; it will be retried")

    def renew(self) -> None:
        if not self._execute("lease_renew", "p_run_id", "p_ttl_seconds"):
            raise RunConflictError(
                f"{self.run.describe()} lost its write lease before writing ({self._holder()}); nothing was written"
            )

    def release(self) -> None:
        self._execute("lease_release", "p_run_id")

    def _holder(self) -> str:
        rows = self.warehouse.query(self.dataset, load_statement(sql_root(), "lease_holder"), self._params())
        if not rows:
            return "another run held the write lease"
        h = rows[0]
        return (
            f"run {h['holder_run_id']} holds the write lease of {self.run.org_slug}/{self.run.flow}/"
            f"{self.run.provider} (window {h['window_start']}..{h['window_end']}) until {h['expires_at']}"
        )
