"""The one run skeleton every runner (pay-as-you-go, commitment, consolidation) runs inside:

    with ledgered_run(warehouse, org_slug=..., provider=..., flow=..., window=..., trigger_id=...,
                      unexpected=..., timeout=...) as run:
        source = run.closing(build_source(...))   # closed when the block ends, whatever happened
        ...                                        # read everything first,
        run.before_write()                         # then, still holding the write lease,
        ...                                        # write run.dataset
        run.count(rows_usage=n)                    # recorded with ``succeeded``
    return run.result()

What it guarantees, so that no runner has to remember it:
- the organization is onboarded (else ConfigurationError, before anything is written);
- the ledger ``genai_ingestion_runs`` gets ``started``, then exactly one of ``succeeded`` (with the
  counts) or ``failed`` (the error redacted by :func:`logs.redact` before it reaches the ledger or a
  log line; ``error_kind`` is the class of the exception the body raised);
- no two runs of one organization, flow and provider run at once: the run holds the write lease
  (:mod:`.lease`) from start to end, or fails fast with the transient RunConflictError when another
  run holds it; ``before_write`` renews it (and refuses to let a run that lost it write);
- a run killed before it recorded its outcome does not stay ``started`` forever: holding the lease,
  the next run of an overlapping window appends ``abandoned`` for every run still only ``started``
  after ``timeout`` (the function timeout, beyond which no run is alive);
- every resource handed to ``run.closing`` is closed on success and on failure; a failing ``close``
  is logged and never turns a run whose data is written into a failed one;
- a :class:`GenAICostsError` keeps its transient / permanent mapping; any other exception is wrapped
  by ``unexpected`` (a GenAICostsError factory) so the entry point can map it to retry or acknowledge.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..errors import ConfigurationError, GenAICostsError
from ..logs import redact
from ..model.window import Window
from ..orgs import dataset_for
from ..settings import DEFAULT_FUNCTION_TIMEOUT_SECONDS
from ..warehouse.base import Warehouse
from .lease import WindowLease
from .ledger import Run, close_abandoned, record_event

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 2000
DEFAULT_RUN_TIMEOUT = dt.timedelta(seconds=DEFAULT_FUNCTION_TIMEOUT_SECONDS)
# Clocks of different instances agree only so well: a lease and a stale run outlast the timeout by this.
CLOCK_MARGIN = dt.timedelta(seconds=60)


class Closeable(Protocol):
    def close(self) -> None: ...


ClosableT = TypeVar("ClosableT", bound=Closeable)


@dataclass(frozen=True)
class RunResult:
    """A run that succeeded (a failed run raises)."""

    run_id: str
    org_slug: str
    provider: str
    window: Window
    status: str
    rows_usage: int = 0
    rows_costs: int = 0
    rows_quarantined: int = 0
    error: str | None = None


class LedgeredRun:
    """What the body of :func:`ledgered_run` works with."""

    def __init__(self, run: Run, dataset: str, resources: ExitStack, lease: WindowLease) -> None:
        self.run = run
        self.dataset = dataset
        self._resources = resources
        self._lease = lease
        self._counts: dict[str, int] = {}

    def before_write(self) -> None:
        """Call right before writing: renews the write lease, or raises RunConflictError (nothing
        written) if the run outlived it and another run took it."""
        self._lease.renew()

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def window(self) -> Window:
        return self.run.window

    def closing(self, resource: ClosableT) -> ClosableT:
        """Close ``resource`` when the run ends, however it ends."""
        self._resources.callback(self._close, resource)
        return resource

    def _close(self, resource: Closeable) -> None:
        try:
            resource.close()
        except Exception as exc:
            log.warning("%s: closing %s failed: %s", self.run.describe(), type(resource).__name__, redact(str(exc)))

    def count(
        self, *, rows_usage: int | None = None, rows_costs: int | None = None, rows_quarantined: int | None = None
    ) -> None:
        """Row counts recorded in the ledger when the run succeeds."""
        given = {"rows_usage": rows_usage, "rows_costs": rows_costs, "rows_quarantined": rows_quarantined}
        self._counts |= {k: v for k, v in given.items() if v is not None}

    @property
    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def result(self) -> RunResult:
        r, c = self.run, self._counts
        return RunResult(
            r.run_id,
            r.org_slug,
            r.provider,
            r.window,
            "succeeded",
            rows_usage=c.get("rows_usage", 0),
            rows_costs=c.get("rows_costs", 0),
            rows_quarantined=c.get("rows_quarantined", 0),
        )


def _release(lease: WindowLease) -> None:
    try:
        lease.release()
    except Exception as exc:  # the lease lapses on its own; never turn a finished run into a failed one
        log.warning("%s: releasing the write lease failed (it lapses on its own): %s", lease.run.describe(), exc)


def onboarded_dataset(warehouse: Warehouse, org_slug: str) -> str:
    dataset = dataset_for(org_slug)
    if not warehouse.dataset_exists(dataset):
        raise ConfigurationError(f"organization {org_slug} is not onboarded (no dataset {dataset})")
    return dataset


@contextmanager
def ledgered_run(
    warehouse: Warehouse,
    *,
    org_slug: str,
    provider: str,
    flow: str,
    window: Window,
    trigger_id: str | None,
    unexpected: Callable[[str], GenAICostsError],
    timeout: dt.timedelta = DEFAULT_RUN_TIMEOUT,
) -> Iterator[LedgeredRun]:
    """Run the body of the ``with`` block as one ledgered run (see the module docstring).
    ``timeout``: the function timeout, the longest a run can live."""
    dataset = onboarded_dataset(warehouse, org_slug)
    run = Run(org_slug, provider, flow, window, trigger_id)
    lease = WindowLease(warehouse, dataset, run, ttl=timeout + CLOCK_MARGIN)
    record_event(warehouse, dataset, run.event("started"))
    try:
        with ExitStack() as resources:
            lease.acquire()
            resources.callback(_release, lease)
            closed = close_abandoned(warehouse, dataset, run, stale_after=timeout + CLOCK_MARGIN)
            if closed:
                log.warning("%s: closed %d abandoned run(s) of an overlapping window", run.describe(), closed)
            scope = LedgeredRun(run, dataset, resources, lease)
            yield scope
    except Exception as exc:
        error = redact(str(exc))[:MAX_ERROR_CHARS]
        log.error("%s failed: %s", run.describe(), error)
        record_event(warehouse, dataset, run.event("failed", error=error, error_kind=type(exc).__name__))
        if isinstance(exc, GenAICostsError):
            raise
        raise unexpected(f"unexpected failure: {type(exc).__name__}: {error}") from exc
    record_event(warehouse, dataset, run.event("succeeded", **scope.counts))
    log.info("%s succeeded %s", run.describe(), scope.counts)
