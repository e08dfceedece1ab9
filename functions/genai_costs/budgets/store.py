"""Budgets in the warehouse: ``genai_budgets`` keeps every version; the highest version of a budget
is the budget (view ``genai_budgets_current``). Every change writes the next version through a
guarded conditional insert keyed by (budget_id, version), so of two concurrent changes to the same
budget exactly one wins and the other gets a conflict instead of silently overwriting it.

Nothing is written on bad input: definitions are validated (pydantic) before any statement runs.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import ValidationError
from ..paths import sql_root
from ..warehouse.base import Param, Warehouse
from ..warehouse.sqlfiles import load_statement
from .guards import guarded_write
from .model import Budget, BudgetChange, BudgetDefinition, new_budget_id

TABLE = "genai_budgets"


class BudgetNotFoundError(ValidationError):
    """The request names a budget that does not exist (HTTP 404)."""


class BudgetConflictError(ValidationError):
    """The budget changed under the request, or its id is taken (HTTP 409)."""


def json_value(value: Any) -> Any:
    """A JSON column as Python: DuckDB returns the text, BigQuery the parsed value."""
    return json.loads(value) if isinstance(value, str) else value


def to_row(budget: Budget, write_id: str) -> dict[str, Any]:
    scope, period = budget.scope, budget.period
    return {
        "budget_id": budget.budget_id,
        "version": budget.version,
        "org_slug": budget.org_slug,
        "name": budget.name,
        "amount_usd": budget.amount_usd,
        "period_kind": period.kind.value,
        "time_zone": period.time_zone,
        "week_start": period.week_start.value if period.week_start else None,
        "custom_start": period.start,
        "custom_end": period.end,
        "period_key": period.key,
        "scope_tenant": scope.tenant,
        "scope_user": scope.user,
        "scope_service": scope.service,
        "scope_workflow": scope.workflow,
        "scope_provider": scope.provider,
        "scope_model": scope.model,
        "scope_project": scope.project,
        "scope_tags": [{"key": k, "value": v} for k, v in sorted(scope.tags.items())],
        "thresholds": [{"percent": t.percent, "basis": t.basis.value} for t in budget.thresholds],
        "channels": [c.model_dump(mode="json") for c in budget.channels],
        "cooldown_minutes": budget.cooldown_minutes,
        "enabled": budget.enabled,
        "deleted": budget.deleted,
        "created_at": budget.created_at,
        "updated_at": budget.updated_at,
        "write_id": write_id,
    }


def from_row(row: Mapping[str, Any]) -> Budget:
    period: dict[str, Any] = {"kind": row["period_kind"], "time_zone": row["time_zone"]}
    if row.get("week_start"):
        period["week_start"] = row["week_start"]
    if row.get("custom_start"):
        period |= {"start": row["custom_start"], "end": row["custom_end"]}
    scope = {
        name: row[f"scope_{name}"]
        for name in ("tenant", "user", "service", "workflow", "provider", "model", "project")
        if row.get(f"scope_{name}") is not None
    }
    scope["tags"] = {t["key"]: t["value"] for t in row.get("scope_tags") or []}
    return Budget.model_validate(
        {
            "budget_id": row["budget_id"],
            "org_slug": row["org_slug"],
            "version": row["version"],
            "name": row["name"],
            "amount_usd": Decimal(row["amount_usd"]),
            "period": period,
            "scope": scope,
            "thresholds": [{"percent": Decimal(t["percent"]), "basis": t["basis"]} for t in row["thresholds"]],
            "channels": json_value(row["channels"]) or [],
            "cooldown_minutes": row.get("cooldown_minutes"),
            "enabled": row["enabled"],
            "deleted": row["deleted"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
    )


def list_budgets(warehouse: Warehouse, dataset: str) -> list[Budget]:
    """Every current budget, enabled or paused (deleted ones are gone)."""
    rows = warehouse.query(
        dataset, load_statement(sql_root(), "budgets_current"), {"p_budget_id": Param("STRING", None)}
    )
    return [from_row(r) for r in rows]


def get_budget(warehouse: Warehouse, dataset: str, budget_id: str) -> Budget:
    rows = warehouse.query(dataset, load_statement(sql_root(), "budgets_current"), {"p_budget_id": budget_id})
    if not rows:
        raise BudgetNotFoundError(f"budget {budget_id[:80]} not found")
    return from_row(rows[0])


def _write(warehouse: Warehouse, dataset: str, budget: Budget) -> Budget:
    write_id = uuid.uuid4().hex
    guarded_write(
        warehouse,
        dataset,
        table=TABLE,
        rows=[to_row(budget, write_id)],
        statements=["budgets_insert_version"],
        now=budget.updated_at,
    )
    written = warehouse.query(
        dataset,
        load_statement(sql_root(), "budget_version"),
        {"p_budget_id": budget.budget_id, "p_version": budget.version},
    )
    if not written or written[0]["write_id"] != write_id:
        what = "already exists" if budget.version == 1 else f"changed concurrently (version {budget.version} is taken)"
        raise BudgetConflictError(f"budget {budget.budget_id} {what}; read it again and retry")
    return budget


def create_budget(
    warehouse: Warehouse, dataset: str, org_slug: str, definition: BudgetDefinition, *, now: dt.datetime
) -> Budget:
    budget = Budget.model_validate(
        definition.model_dump()
        | {
            "budget_id": definition.budget_id or new_budget_id(),
            "org_slug": org_slug,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )
    return _write(warehouse, dataset, budget)


def change_budget(
    warehouse: Warehouse,
    dataset: str,
    budget_id: str,
    change: BudgetChange,
    *,
    now: dt.datetime,
    expected_version: int | None = None,
) -> Budget:
    """The next version with ``change`` applied. ``expected_version`` (optimistic concurrency) makes a
    change based on an older read fail instead of undoing a newer one."""
    current = get_budget(warehouse, dataset, budget_id)
    if expected_version is not None and expected_version != current.version:
        raise BudgetConflictError(f"budget {budget_id} is at version {current.version}, not {expected_version}")
    return _write(warehouse, dataset, current.changed(change, now=now))


def delete_budget(warehouse: Warehouse, dataset: str, budget_id: str, *, now: dt.datetime) -> Budget:
    """Writes a last version marked deleted: history and alerts stay; evaluation stops."""
    current = get_budget(warehouse, dataset, budget_id)
    gone = current.model_copy(update={"version": current.version + 1, "updated_at": now, "deleted": True})
    return _write(warehouse, dataset, gone)
