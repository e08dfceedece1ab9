"""Guarded conditional inserts: exactly one row per key, even when two writers race.

A conditional insert (``MERGE ... WHEN NOT MATCHED THEN INSERT``) reads the target in the snapshot
its statement or transaction started with. Two writers that start together can both see a key as
absent, and BigQuery lets insert-only DML run concurrently without conflict. So every conditional
insert into a guarded table runs in ONE transaction that first updates the table's row in
``genai_budget_guards`` (``budget_guard_take.sql``): two such transactions mutate the same rows,
so only one commits (BigQuery cancels the other: "If a transaction mutates rows in a table, other
transactions that mutate rows in the same table cannot run concurrently. Conflicting transactions
are cancelled."; DuckDB raises a write-write conflict). The loser is retried here from a fresh
snapshot, in which the winner's keys exist, so its MERGE inserts only what is still absent.

Statements name the staged rows ``_staging_<table>`` (the name the SQL analyzer registers for each
table's staging copy); they are rebound to the warehouse's staging slot here.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlglot import exp

from ..errors import WarehouseError
from ..paths import sql_root
from ..warehouse.base import Params, Warehouse
from ..warehouse.identifiers import bind_identifiers
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs

log = logging.getLogger(__name__)
STAGING_PREFIX = "_staging_"
ATTEMPTS = 5


def staged_statement(name: str, table: str) -> exp.Expression:
    """A statement reading ``_staging_<table>``, bound to the staging slot ``apply_staged`` fills."""
    tree = load_statement(sql_root(), name).parsed()
    return bind_identifiers(tree, {STAGING_PREFIX + table: "staging_table"})


def guarded_write(
    warehouse: Warehouse,
    dataset: str,
    *,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    statements: Iterable[str],
    now: datetime,
    params: Params | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Stage ``rows`` (shaped like ``table``) and run the named statements after the guard update, in
    one transaction, retrying a transaction that lost to a concurrent writer. Returns the holder id."""
    root = sql_root()
    spec = load_table_specs(root)[table]
    staged = list(rows)
    holder = uuid.uuid4().hex
    warehouse.execute(dataset, load_statement(root, "budget_guard_ensure"), {"p_guard": table})
    trees = [load_statement(root, "budget_guard_take").parsed(), *(staged_statement(s, table) for s in statements)]
    bound = {"p_guard": table, "p_holder": holder, "p_now": now, **(params or {})}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            warehouse.apply_staged(dataset, spec, staged, trees, bound)
            return holder
        except WarehouseError as exc:
            if attempt == ATTEMPTS:
                raise
            log.warning("guarded write to %s lost to a concurrent writer (attempt %d): %s", table, attempt, exc)
            sleep(random.uniform(0.05, 0.2) * attempt)
    raise AssertionError("unreachable")
