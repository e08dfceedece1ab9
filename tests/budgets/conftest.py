"""A small organization for budget tests: onboarded on a DuckDB file, usage events in the documented
shape with their estimated cost (the seam view put on its post-issue-12 body), unified cost rows,
ingestion runs that say what is billed, and budgets."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from genai_costs.budgets.dispatch import Dispatcher
from genai_costs.budgets.evaluation import EvaluateBudgetsMessage, Evaluation, evaluate_budgets
from genai_costs.budgets.model import Budget, BudgetDefinition
from genai_costs.budgets.store import create_budget
from genai_costs.paths import sql_root
from genai_costs.secrets.local import LocalSecretStore
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse
from genai_costs.warehouse.tables import load_table_specs
from provider_sim import serve
from tests.alerting.helpers import store_sim_secrets

ORG = "demo"
TOKEN_COLUMNS = (
    "input_uncached_tokens",
    "input_cached_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "output_tokens",
    "output_audio_tokens",
    "web_search_requests",
)
DATASET = "demo_prod"
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """An aware UTC instant from ISO text (a zone in the text is honoured)."""
    value = dt.datetime.fromisoformat(text)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


class World:
    def __init__(self, warehouse: DuckDBWarehouse) -> None:
        self.wh = warehouse  # with ORG onboarded (a copy of the onboarded_copy fixture's)
        self.specs = load_table_specs(sql_root())
        self._n = 0

    # -- spend -------------------------------------------------------------------------------------
    def event(
        self,
        when: str | dt.datetime,
        cost: str | None,
        *,
        provider: str = "openai",
        model: str = "gpt-4o",
        tenant: str | None = None,
        user: str | None = None,
        service: str | None = None,
        workflow: str | None = None,
        project: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        item = {"when": when, "cost": cost, "provider": provider, "model": model, "tenant": tenant, "user": user}
        self.events([item | {"service": service, "workflow": workflow, "project": project, "tags": tags}])

    def events(self, items: Sequence[dict[str, Any]]) -> None:
        rows, events = [], []
        for item in items:
            self._n += 1
            when = at(item["when"]) if isinstance(item["when"], str) else item["when"]
            key = hashlib.sha256(f"test:{self._n}".encode()).hexdigest()
            common = {
                "event_date": when.date(),
                "org_slug": ORG,
                "event_key": key,
                "event_id": f"evt-{self._n}",
                "source": "tests",
                "occurred_at": when,
                "provider": item.get("provider", "openai"),
                "model": item.get("model", "gpt-4o"),
                "project_id": item.get("project"),
                "tenant_id": item.get("tenant"),
                "user_id": item.get("user"),
                "service": item.get("service"),
                "workflow_id": item.get("workflow"),
                "consolidated_at": when,
            }
            # The event as consolidation keeps it (its tags) and as sp_genai_4a prices it (its cost).
            events.append(
                common
                | {"tags": item.get("tags") or {}, "status": "succeeded", "received_at": when, "batch_id": "tests"}
                | {"occurrences": 1, "is_batch": False}
                | dict.fromkeys(TOKEN_COLUMNS, 0)
            )
            unpriced = item.get("cost") is None
            rows.append(
                common
                | {"input_tokens": 0, "output_tokens": 0, "status": "succeeded"}
                | {"cost_status": "unpriced" if unpriced else "priced"}
                | {"estimated_cost_usd": None if unpriced else Decimal(item["cost"])}
                | {"unpriced_reason": "no price row (test)" if unpriced else None}
            )
        self.wh.load_rows(DATASET, self.specs["genai_usage_events"], events)
        self.wh.load_rows(DATASET, self.specs["genai_usage_event_costs"], rows)

    def billed(
        self,
        day: str,
        cost: str | None,
        *,
        provider: str = "openai",
        model: str = "gpt-4o",
        project: str | None = None,
    ) -> None:
        """One genai_costs_daily_unified row (cost None: unpriced)."""
        self._n += 1
        spec = self.specs["genai_costs_daily_unified"]
        row = dict.fromkeys(spec.field_names) | {
            "cost_id": f"cost-{self._n}",
            "flow": "payg",
            "charge_category": "Usage",
            "org_slug": ORG,
            "usage_date": dt.date.fromisoformat(day),
            "provider": provider,
            "model": model,
            "project_id": project,
            "currency": "USD",
            "cost_status": "unpriced" if cost is None else "priced",
            "cost_usd": None if cost is None else Decimal(cost),
            "consolidated_at": at(f"{day}T23:00:00"),
        }
        self.wh.load_rows(DATASET, spec, [row])

    def billed_through(self, day: str, *providers: str) -> None:
        """Succeeded payg runs of these providers and a consolidation, each through ``day``."""
        spec = self.specs["genai_ingestion_runs"]
        end = dt.date.fromisoformat(day) + dt.timedelta(days=1)
        rows = []
        for provider, flow in [*((p, "payg") for p in providers), ("all", "consolidate")]:
            self._n += 1
            rows.append(
                {
                    "run_id": f"run-{self._n}",
                    "event_date": end,
                    "event_at": at(f"{end}T02:00:00"),
                    "org_slug": ORG,
                    "provider": provider,
                    "flow": flow,
                    "window_start": end - dt.timedelta(days=3),
                    "window_end": end,
                    "status": "succeeded",
                    "started_at": at(f"{end}T01:00:00"),
                }
            )
        self.wh.load_rows(DATASET, spec, rows)

    # -- budgets -----------------------------------------------------------------------------------
    def budget(self, name: str, amount: str, *, now: dt.datetime | None = None, **fields: Any) -> Budget:
        fields.setdefault("period", {"kind": "monthly"})
        definition = BudgetDefinition.model_validate({"name": name, "amount_usd": amount, **fields})
        return create_budget(self.wh, DATASET, ORG, definition, now=now or at("2026-01-01T00:00:00"))

    def evaluate(self, now: str | dt.datetime, dispatcher: Dispatcher | None = None, **kwargs: Any) -> Evaluation:
        when = at(now) if isinstance(now, str) else now
        return evaluate_budgets(
            EvaluateBudgetsMessage(org_slug=ORG), warehouse=self.wh, dispatcher=dispatcher, now=when, **kwargs
        )

    # -- reading back ------------------------------------------------------------------------------
    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        return self.wh.query(DATASET, sql, params)

    def ledger(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM genai_alert_ledger ORDER BY ledger_key")

    def deliveries(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM genai_alert_deliveries ORDER BY delivery_key")

    def status(self, budget_id: str) -> dict[str, Any]:
        rows = self.rows(
            "SELECT * FROM genai_budget_status WHERE evaluation_date >= DATE '2000-01-01' AND budget_id = @p_id "
            "ORDER BY evaluated_at DESC LIMIT 1",
            p_id=budget_id,
        )
        return rows[0]


def alert_json(row: dict[str, Any]) -> dict[str, Any]:
    value = row["alert"]
    return json.loads(value) if isinstance(value, str) else value


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    """The simulator's channel fakes (Slack, SendGrid, Twilio, webhook receiver) on loopback."""
    base_url, stop = serve()
    yield base_url
    stop()


@pytest.fixture
def sim(sim_url: str) -> Iterator[httpx.Client]:
    """Admin client; faults and recorded messages are cleared around each test."""
    with httpx.Client(base_url=sim_url, timeout=10) as client:
        for path in ("/_sim/faults", "/_sim/channels/messages", "/_sim/requests"):
            client.delete(path)
        yield client


@pytest.fixture
def channel_secrets(tmp_path: Path, sim_url: str) -> tuple[LocalSecretStore, dict[str, str]]:
    """Channel secrets pointing at the fakes, and every secret value (for leak checks)."""
    store = LocalSecretStore(tmp_path / "secrets", tmp_path / "secrets.key")
    return store, store_sim_secrets(store, sim_url)


@pytest.fixture
def world(tmp_path: Path, onboarded_copy: Any) -> Iterator[World]:
    warehouse = DuckDBWarehouse(onboarded_copy(tmp_path / "warehouse.duckdb", ORG))
    yield World(warehouse)
    warehouse.close()
