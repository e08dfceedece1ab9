"""A small reconciliation world: an onboarded org with one custom-priced OpenAI model, hourly usage
buckets and daily cost lines as the provider reports them, and the applications' deduplicated usage
events, all loaded directly so every expected figure can be computed by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest

from genai_costs.consolidation import consolidate
from genai_costs.model.messages import ConsolidateMessage
from genai_costs.paths import sql_root
from genai_costs.warehouse.base import Call
from genai_costs.warehouse.sqlfiles import load_procedures
from genai_costs.warehouse.tables import load_table_specs

UTC = dt.UTC
DATASET = "acme_prod"
TODAY = dt.datetime.now(UTC).date()
DAY = TODAY - dt.timedelta(days=10)  # settled: outside every lag window
MODEL = "gpt-recon-test"
TOKENS = (
    "input_uncached_tokens",
    "input_cached_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "output_tokens",
    "output_audio_tokens",
)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), UTC)


def _id(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


class ReconWorld:
    def __init__(self, warehouse: Any) -> None:
        self.wh = warehouse  # with acme onboarded (the acme_warehouse fixture)
        self.specs = load_table_specs(sql_root())
        # $1 per 1M input tokens, $2 per 1M output tokens (stored per 1K).
        pricing = dict.fromkeys(self.specs["llm_model_pricing"].field_names) | {
            "pricing_id": "recon-test",
            "provider": "openai",
            "model_id": MODEL,
            "is_custom": True,
            "input_price_per_1k": Decimal("0.001"),
            "output_price_per_1k": Decimal("0.002"),
            "effective_date": dt.date(2020, 1, 1),
            "is_enabled": True,
            "pricing_type": "negotiated",
            "currency": "USD",
        }
        self.wh.load_rows(DATASET, self.specs["llm_model_pricing"], [pricing])

    def usage(
        self,
        start: dt.datetime,
        *,
        key: str = "k1",
        project: str = "p1",
        model: str = MODEL,
        service_tier: str = "default",
        **tokens: int,
    ) -> None:
        """One hourly bucket of the provider's usage API."""
        counts = {t: tokens.get(t, 0) for t in TOKENS}
        row = {
            "record_id": _id("usage", start, key, project, model, service_tier),
            "run_id": "test",
            "ingested_at": start,
            "org_slug": "acme",
            "provider": "openai",
            "source": "openai.usage.completions",
            "bucket_start": start,
            "bucket_width": "1h",
            "usage_date": start.date(),
            "model": model,
            "service_tier": service_tier,
            "is_batch": False,
            "project_id": project,
            "api_key_id": key,
            "requests": 1,
            "provider_total_tokens": sum(counts.values()),
            **counts,
        }
        self.wh.load_rows(DATASET, self.specs["genai_payg_openai_usage"], [row])

    def cost(self, day: dt.date, amount: str, *, project: str = "p1", line_item: str = f"{MODEL}, input") -> None:
        """One daily cost line of the provider's costs API."""
        row = dict.fromkeys(self.specs["genai_payg_openai_costs"].field_names) | {
            "record_id": _id("cost", day, project, line_item),
            "run_id": "test",
            "ingested_at": at(day, 0),
            "org_slug": "acme",
            "provider": "openai",
            "source": "openai.costs",
            "usage_date": day,
            "model": MODEL,
            "project_id": project,
            "line_item": line_item,
            "amount": Decimal(amount),
            "currency": "USD",
            "is_estimated": False,
        }
        self.wh.load_rows(DATASET, self.specs["genai_payg_openai_costs"], [row])

    def event(
        self,
        occurred: dt.datetime,
        *,
        key: str = "k1",
        project: str = "p1",
        feature: str = "hints",
        status: str = "succeeded",
        model: str = MODEL,
        provider: str = "openai",
        service: str | None = None,
        is_batch: bool = False,
        user: str | None = None,
        tags: dict[str, str] | None = None,
        **tokens: int,
    ) -> None:
        """One deduplicated usage event, as sp_genai_0 writes it."""
        event_id = _id("event", occurred, key, project, sorted(tokens.items()), len(self._events))
        self._events.append(event_id)
        row = dict.fromkeys(self.specs["genai_usage_events"].field_names) | {
            "event_date": occurred.date(),
            "org_slug": "acme",
            "event_key": event_id,
            "event_id": event_id,
            "source": "tutor-api",
            "occurred_at": occurred,
            "provider": provider,
            "model": model,
            "api_key_id": key,
            "project_id": project,
            "service_tier": "default",
            "is_batch": is_batch,
            "status": status,
            "service": service,
            "feature": feature,
            "web_search_requests": 0,
            "tags": tags or {},
            "user_id": user,
            "received_at": occurred,
            "batch_id": "b",
            "occurrences": 1,
            "consolidated_at": occurred,
            **{t: tokens.get(t, 0) for t in TOKENS},
        }
        self.wh.load_rows(DATASET, self.specs["genai_usage_events"], [row])

    _events: list[str]

    def consolidate(self) -> None:
        consolidate(
            ConsolidateMessage(org_slug="acme", start_date=TODAY - dt.timedelta(days=30), end_date=TODAY),
            warehouse=self.wh,
        )

    def price_events(self) -> None:
        """sp_genai_4a alone: prices the events loaded after consolidation (which rewrites genai_usage_events
        from the raw table) into genai_usage_event_costs, as consolidation does."""
        procedure = load_procedures(sql_root())["sp_genai_4a_price_usage_events"]
        params = {"p_org_slug": "acme", "p_events_start_date": TODAY - dt.timedelta(days=30), "p_end_date": TODAY}
        self.wh.run_transaction(DATASET, [Call(procedure)], params)

    def rows(self, where: str = "TRUE") -> list[dict[str, Any]]:
        return self.wh.query(
            DATASET,
            f"SELECT * FROM genai_reconciliation_by_grain WHERE {where} ORDER BY grain, bucket_start, api_key_id, "
            "project_id",
        )


@pytest.fixture
def recon(acme_warehouse: Any) -> ReconWorld:
    world = ReconWorld(acme_warehouse)
    world._events = []
    return world
