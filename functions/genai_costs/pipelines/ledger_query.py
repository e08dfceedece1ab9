"""The organization's runs as the ledger records them, filtered (``sql/statements/pipeline_runs.sql``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..orgs import dataset_for
from ..paths import sql_root
from ..warehouse.base import Param, Warehouse
from ..warehouse.sqlfiles import load_statement

LedgerFlow = Literal["payg", "commitment", "infrastructure", "consolidate"]
# 'abandoned': a run whose process died before it could record an outcome (closed by the next run).
LedgerStatus = Literal["started", "succeeded", "failed", "abandoned"]
DEFAULT_DAYS = 7
MAX_DAYS = 400
MAX_LIMIT = 1000


class RunsQuery(BaseModel):
    """Filters of ``GET /pipelines/runs/{org}`` (query string) and ``genai-costs pipelines runs``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    flow: LedgerFlow | None = None
    provider: str | None = Field(
        None, pattern=r"^[a-z][a-z0-9_]{1,40}$", description="provider, commitment type or all"
    )
    status: LedgerStatus | None = None
    trigger_id: str | None = Field(None, min_length=1, max_length=200, description="Pub/Sub message id of the run")
    since: dt.date | None = Field(
        None, description=f"runs started on or after this day (default {DEFAULT_DAYS} days ago)"
    )
    until: dt.date | None = Field(None, description="runs started before this day (default: tomorrow)")
    covers: dt.date | None = Field(None, description="runs whose window includes this usage date")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)

    @model_validator(mode="after")
    def _range(self) -> RunsQuery:
        if self.since and self.until and self.until <= self.since:
            raise ValueError("until must be after since")
        if self.since and self.until and (self.until - self.since).days > MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days between since and until")
        return self

    def bounds(self, today: dt.date) -> tuple[dt.date, dt.date]:
        until = self.until or today + dt.timedelta(days=1)
        since = self.since or until - dt.timedelta(days=DEFAULT_DAYS)
        if (until - since).days > MAX_DAYS:
            since = until - dt.timedelta(days=MAX_DAYS)
        return since, until


class RunRow(BaseModel):
    run_id: str
    flow: str
    provider: str
    status: str
    window_start: dt.date
    window_end: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_usage: int | None
    rows_costs: int | None
    rows_quarantined: int | None
    duration_ms: int | None
    error_kind: str | None
    error: str | None
    trigger_id: str | None


def list_runs(warehouse: Warehouse, org_slug: str, query: RunsQuery, *, today: dt.date) -> list[RunRow]:
    since, until = query.bounds(today)
    params: dict[str, Any] = {
        "p_since": since,
        "p_until": until,
        "p_flow": Param("STRING", query.flow),
        "p_provider": Param("STRING", query.provider),
        "p_status": Param("STRING", query.status),
        "p_trigger_id": Param("STRING", query.trigger_id),
        "p_covers": Param("DATE", query.covers),
        "p_limit": query.limit,
    }
    rows = warehouse.query(dataset_for(org_slug), load_statement(sql_root(), "pipeline_runs"), params)
    return [RunRow.model_validate(r) for r in rows]
