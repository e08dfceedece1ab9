"""A small world for golden pricing tests: an onboarded org, custom prices, raw usage rows,
and the real procedures run on the embedded backend."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

import pytest

from genai_costs.consolidation import consolidate
from genai_costs.model.messages import ConsolidateMessage
from genai_costs.paths import sql_root
from genai_costs.warehouse.tables import load_table_specs

UTC = dt.UTC
TOKEN_FIELDS = (
    "input_uncached_tokens",
    "input_cached_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "output_tokens",
    "output_audio_tokens",
)


class World:
    def __init__(self, warehouse):
        """``warehouse`` has acme onboarded (the ``acme_warehouse`` fixture)."""
        self.wh = warehouse
        self.specs = load_table_specs(sql_root())

    def add_price(
        self,
        provider: str,
        model_id: str,
        input_1m: str,
        output_1m: str,
        *,
        effective: str = "2026-01-01",
        end: str | None = None,
        **extra,
    ) -> str:
        """A custom price row; rates given per 1M tokens for readability, stored per 1K."""
        per_1k = lambda v: None if v is None else Decimal(v) / 1000  # noqa: E731
        pricing_id = f"test-{uuid.uuid4().hex[:8]}"
        row = dict.fromkeys(self.specs["llm_model_pricing"].field_names) | {
            "pricing_id": pricing_id,
            "provider": provider,
            "model_id": model_id,
            "is_custom": True,
            "input_price_per_1k": per_1k(input_1m),
            "output_price_per_1k": per_1k(output_1m),
            "effective_date": dt.date.fromisoformat(effective),
            "end_date": end and dt.date.fromisoformat(end),
            "is_enabled": True,
            "pricing_type": extra.pop("pricing_type", "negotiated"),
            "currency": "USD",
        }
        for key, value in extra.items():
            row[key] = per_1k(value) if key.endswith("_price_per_1k") else value
        self.wh.load_rows("acme_prod", self.specs["llm_model_pricing"], [row])
        return pricing_id

    def add_plan(
        self,
        provider: str,
        tier_type: str,
        *,
        plan_name: str | None = None,
        effective: str = "2026-01-01",
        end: str | None = None,
        **extra,
    ) -> str:
        """The organization's own (is_custom) llm_subscriptions row: its plan, fee or discount."""
        subscription_id = f"plan-{uuid.uuid4().hex[:8]}"
        row = dict.fromkeys(self.specs["llm_subscriptions"].field_names) | {
            "subscription_id": subscription_id,
            "provider": provider,
            "plan_name": plan_name or tier_type.upper(),
            "is_custom": True,
            "quantity": extra.pop("quantity", 1),
            "unit_price_usd": Decimal(extra.pop("unit_price_usd", "0")),
            "effective_date": dt.date.fromisoformat(effective),
            "end_date": end and dt.date.fromisoformat(end),
            "is_enabled": True,
            "tier_type": tier_type,
            "currency": "USD",
        }
        for key, value in extra.items():
            row[key] = dt.date.fromisoformat(value) if key.endswith("_date") else value
        self.wh.load_rows("acme_prod", self.specs["llm_subscriptions"], [row])
        return subscription_id

    def add_usage(self, provider: str, day: str, model: str, *, project: str = "p1", **fields) -> None:
        tokens = {f: fields.pop(f, 0) for f in TOKEN_FIELDS}
        start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), UTC)
        dims = f"{provider}|{day}|{model}|{project}|{sorted(fields.items())}"
        row = {
            "record_id": hashlib.sha256(dims.encode()).hexdigest()[:32],
            "run_id": "test",
            "ingested_at": start,
            "org_slug": "acme",
            "provider": provider,
            "source": "test",
            "bucket_start": start,
            "bucket_width": "1d",
            "usage_date": start.date(),
            "model": model,
            "project_id": project,
            "provider_total_tokens": sum(tokens.values()),
            "requests": 1,
            **tokens,
            **fields,
        }
        self.wh.load_rows("acme_prod", self.specs[f"genai_payg_{provider}_usage"], [row])

    def add_reported_cost(self, provider: str, day: str, model: str, amount: str, currency: str = "USD") -> None:
        """One line of the provider's own cost report (genai_payg_{provider}_costs)."""
        start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), UTC)
        row = dict.fromkeys(self.specs[f"genai_payg_{provider}_costs"].field_names) | {
            "record_id": hashlib.sha256(f"{provider}|{day}|{model}|{amount}".encode()).hexdigest()[:32],
            "run_id": "test",
            "ingested_at": start,
            "org_slug": "acme",
            "provider": provider,
            "source": "test",
            "usage_date": start.date(),
            "model": model,
            "amount": Decimal(amount),
            "currency": currency,
            "is_estimated": False,
        }
        self.wh.load_rows("acme_prod", self.specs[f"genai_payg_{provider}_costs"], [row])

    def consolidate(self, start: str, end: str):
        return consolidate(ConsolidateMessage(org_slug="acme", start_date=start, end_date=end), warehouse=self.wh)

    def costs(self, where: str = "TRUE") -> list[dict]:
        return self.wh.query(
            "acme_prod",
            f"SELECT * FROM genai_costs_daily_unified WHERE usage_date >= '2000-01-01' "
            f"AND {where} ORDER BY usage_date, model, token_type",
        )

    def cost_by(self, **match) -> dict:
        rows = [r for r in self.costs() if all(r[k] == v for k, v in match.items())]
        assert len(rows) == 1, f"expected one row for {match}, got {len(rows)}"
        return rows[0]

    def total(self, where: str = "TRUE") -> Decimal:
        return sum((r["cost_usd"] or Decimal(0) for r in self.costs(where)), Decimal(0))

    def snapshot(self, table: str, date_col: str) -> list[tuple]:
        rows = self.wh.query("acme_prod", f"SELECT * FROM {table} WHERE {date_col} >= '2000-01-01'")
        drop = {"consolidated_at", "x_ConvertedAt"}
        return sorted(tuple(sorted((k, str(v)) for k, v in r.items() if k not in drop)) for r in rows)


@pytest.fixture
def world(acme_warehouse):
    return World(acme_warehouse)
