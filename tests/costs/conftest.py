"""A small organization of priced usage events (genai_usage_event_costs rows as sp_genai_4a writes them),
loaded directly so every figure of the cost report can be computed by hand, and the costs function
served by functions-framework's test client."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from functions_framework import create_app

from genai_costs.onboarding import OnboardRequest, onboard
from genai_costs.paths import sql_root
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.tables import load_table_specs

MAIN = Path(__file__).resolve().parents[2] / "functions" / "costs" / "main.py"
TODAY = dt.datetime.now(dt.UTC).date()
D1, D2, D3 = (TODAY - dt.timedelta(days=n) for n in (3, 2, 1))
OLD = TODAY - dt.timedelta(days=40)  # outside the default 30 days
D = Decimal

# (day, tenant, user, service, workflow, provider, model, input, output, cost, cost_status)
EVENTS: list[tuple[Any, ...]] = [
    (D1, "t1", "u1", "tutor", "wf-a", "openai", "gpt-4o", 1000, 200, "0.004500000", "priced"),
    (D1, "t1", "u2", "tutor", "wf-a", "openai", "gpt-4o", 2000, 100, "0.006000000", "priced"),
    (D2, "t1", "u1", "grader", "wf-b", "anthropic", "claude-x", 500, 500, "0.010000000", "priced"),
    (D2, "t2", "u3", "tutor", "wf-c", "openai", "gpt-4o-mini", 100, 50, "0.000045000", "priced"),
    (D2, "t2", "u3", "tutor", "wf-c", "openai", "mystery-model", 300, 30, None, "unpriced"),
    (D3, "t2", "u4", "grader", "wf-b", "azure_openai", "gpt-4o", 800, 80, "0.000000000", "committed"),
    (D3, None, None, "tutor", None, "openai", "gpt-4o", 10, 10, "0.000123456", "priced"),
    (OLD, "t1", "u1", "tutor", "wf-a", "openai", "gpt-4o", 1000, 1000, "1.000000000", "priced"),
]


def load_events(wh: Any, events: list[tuple[Any, ...]] = EVENTS) -> None:
    spec = load_table_specs(sql_root())["genai_usage_event_costs"]
    rows = []
    for i, (day, tenant, user, service, workflow, provider, model, inp, out, cost, status) in enumerate(events):
        rows.append(
            dict.fromkeys(spec.field_names)
            | {
                "event_date": day,
                "org_slug": "acme",
                "event_key": f"k{i}",
                "event_id": f"e{i}",
                "source": "app",
                "occurred_at": dt.datetime.combine(day, dt.time(12), dt.UTC),
                "provider": provider,
                "model": model,
                "tenant_id": tenant,
                "user_id": user,
                "service": service,
                "workflow_id": workflow,
                "status": "succeeded",
                "input_tokens": inp,
                "output_tokens": out,
                "estimated_cost_usd": None if cost is None else D(cost),
                "pricing_id": None if cost is None else "p1",
                "cost_status": status,
                "unpriced_reason": "no enabled price for the model" if cost is None else None,
                "consolidated_at": dt.datetime.now(dt.UTC),
            }
        )
    wh.load_rows("acme_prod", spec, rows)


@pytest.fixture(scope="session")
def acme_template(tmp_path_factory) -> Path:
    """Onboarding takes seconds: done once, then copied into each test's own data directory."""
    data = tmp_path_factory.mktemp("costs") / "data"
    saved = os.environ.get("GENAI_COSTS_DATA_DIR")
    os.environ["GENAI_COSTS_DATA_DIR"] = str(data)
    get_settings.cache_clear()
    try:
        with open_warehouse(get_settings()) as wh:
            onboard(wh, OnboardRequest(org_slug="acme"))
            load_events(wh)
        return get_settings().duckdb_path
    finally:
        if saved is None:
            os.environ.pop("GENAI_COSTS_DATA_DIR", None)
        else:
            os.environ["GENAI_COSTS_DATA_DIR"] = saved
        get_settings.cache_clear()


@pytest.fixture
def acme(acme_template: Path) -> None:
    """Organization acme, onboarded, with EVENTS priced (this test's own copy)."""
    target = get_settings().duckdb_path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(acme_template, target)


@pytest.fixture
def client(acme):
    return create_app("costs", str(MAIN), "http").test_client()


def db(query: str) -> list[dict[str, Any]]:
    with open_warehouse(get_settings()) as wh:
        return wh.query("acme_prod", query)
