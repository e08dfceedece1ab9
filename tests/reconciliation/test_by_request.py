"""Bedrock events reconciled against model invocation log records per request, with hand-computed figures.

Prices (the organization's own row for the test model): $1 per 1M input tokens, $2 per 1M output tokens.
The event's estimate (sp_genai_4a) and the log's computed cost (sp_genai_4d) come from the same engine, so
a request's dollar gap is its token gap priced. Matched: |log - estimate| <= $0.05 or <= 5 % of the
estimate, both inclusive."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest

from genai_costs.paths import sql_root
from genai_costs.warehouse.sqlfiles import load_procedures

from .conftest import DATASET, DAY, TODAY, TOKENS, ReconWorld, at

MODEL = "bedrock-recon-test"
ACCOUNT = "123456789012"
NOW = dt.datetime.now(dt.UTC)


def _id(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


class RequestWorld:
    def __init__(self, recon: ReconWorld) -> None:
        self.recon, self.wh, self.specs = recon, recon.wh, recon.specs
        price = dict.fromkeys(self.specs["llm_model_pricing"].field_names) | {
            "pricing_id": "recon-bedrock-test",
            "provider": "aws_bedrock",
            "model_id": MODEL,
            "is_custom": True,
            "input_price_per_1k": Decimal("0.001"),
            "output_price_per_1k": Decimal("0.002"),
            "effective_date": dt.date(2020, 1, 1),
            "is_enabled": True,
            "pricing_type": "negotiated",
            "currency": "USD",
        }
        self.wh.load_rows(DATASET, self.specs["llm_model_pricing"], [price])

    def event(self, request_id: str, occurred: dt.datetime, *, model: str = MODEL, **tokens: int) -> None:
        """The application's usage event of one Bedrock call, as sp_genai_0 writes it."""
        key = _id("event", request_id)
        row = dict.fromkeys(self.specs["genai_usage_events"].field_names) | {
            "event_date": occurred.date(),
            "org_slug": "acme",
            "event_key": key,
            "event_id": request_id,
            "source": "tutor-api",
            "occurred_at": occurred,
            "provider": "aws_bedrock",
            "model": model,
            "request_id": request_id,
            "project_id": ACCOUNT,
            "region": "us-east-1",
            "service_tier": "standard",
            "is_batch": False,
            "status": "succeeded",
            "web_search_requests": 0,
            "tags": "{}",
            "received_at": occurred,
            "batch_id": "b",
            "occurrences": 1,
            "consolidated_at": occurred,
            **{t: tokens.get(t, 0) for t in TOKENS},
        }
        self.wh.load_rows(DATASET, self.specs["genai_usage_events"], [row])

    def log(self, request_id: str, occurred: dt.datetime, *, model: str = MODEL, **tokens: int) -> None:
        """One model invocation log record, as the invocations flow stores it."""
        row = {
            "record_id": _id("invocation", ACCOUNT, request_id),
            "run_id": "test",
            "ingested_at": occurred,
            "org_slug": "acme",
            "provider": "aws_bedrock",
            "source": "aws.invocation_logs",
            "usage_date": occurred.date(),
            "logged_at": occurred,
            "occurred_at": occurred,
            "request_id": request_id,
            "account_id": ACCOUNT,
            "region": "us-east-1",
            "inference_region": None,
            "operation": "Converse",
            "model": model,
            "identity_arn": "arn:aws:sts::123456789012:assumed-role/learning-platform/tutor-api",
            "service_tier": None,
            "schema_version": "1.0",
            "error_code": None,
            "input_token_count": tokens.get("input_uncached_tokens", 0),
            "input_uncached_tokens": tokens.get("input_uncached_tokens", 0),
            "input_cached_tokens": tokens.get("input_cached_tokens", 0),
            "cache_write_5m_tokens": tokens.get("cache_write_5m_tokens", 0),
            "cache_write_1h_tokens": 0,
            "output_tokens": tokens.get("output_tokens", 0),
            "log_stream": "aws/bedrock/modelinvocations",
            "log_event_id": _id("event-id", request_id),
        }
        self.wh.load_rows(DATASET, self.specs["genai_invocations_aws_bedrock_requests"], [row])

    def ledger(self, window_end: dt.date) -> None:
        """A succeeded run of the invocations flow that read the logs up to ``window_end``."""
        row = dict.fromkeys(self.specs["genai_ingestion_runs"].field_names) | {
            "run_id": "inv-run",
            "event_date": TODAY,
            "event_at": NOW,
            "org_slug": "acme",
            "provider": "aws_bedrock",
            "flow": "invocations",
            "window_start": window_end - dt.timedelta(days=30),
            "window_end": window_end,
            "status": "succeeded",
            "started_at": NOW,
        }
        self.wh.load_rows(DATASET, self.specs["genai_ingestion_runs"], [row])

    def price(self) -> None:
        """sp_genai_4a (events) and sp_genai_4d (invocation log records), as consolidation runs them."""
        procs = load_procedures(sql_root())
        start, end = TODAY - dt.timedelta(days=30), TODAY + dt.timedelta(days=1)
        self.wh.call_procedure(
            DATASET,
            procs["sp_genai_4a_price_usage_events"],
            {"p_org_slug": "acme", "p_events_start_date": start, "p_end_date": end},
        )
        self.wh.call_procedure(
            DATASET,
            procs["sp_genai_4d_price_invocations"],
            {"p_org_slug": "acme", "p_start_date": start, "p_end_date": end},
        )

    def rows(self) -> dict[str, dict[str, Any]]:
        rows = self.recon.rows("grain = 'request'")
        return {r["request_id"]: r for r in rows}


@pytest.fixture
def world(recon: ReconWorld) -> RequestWorld:
    return RequestWorld(recon)


def build(w: RequestWorld) -> None:
    e, log = w.event, w.log
    t = at(DAY, 9)
    pairs = {  # request id: (event tokens, log tokens)
        "r-equal": ({"input_uncached_tokens": 1_000_000}, {"input_uncached_tokens": 1_000_000}),
        "r-usd-inside": ({"input_uncached_tokens": 950_000}, {"input_uncached_tokens": 1_000_000}),
        "r-usd-outside": ({"input_uncached_tokens": 940_000}, {"input_uncached_tokens": 1_000_000}),
        "r-pct-inside": ({"output_tokens": 5_000_000}, {"output_tokens": 5_250_000}),
        "r-pct-outside": ({"output_tokens": 5_000_000}, {"output_tokens": 5_255_000}),
        "r-pct-inside-below": ({"output_tokens": 5_000_000}, {"output_tokens": 4_750_000}),
        "r-pct-outside-below": ({"output_tokens": 5_000_000}, {"output_tokens": 4_745_000}),
    }
    for i, (request_id, (event_tokens, log_tokens)) in enumerate(pairs.items()):
        e(request_id, t + dt.timedelta(minutes=i), **event_tokens)
        log(request_id, t + dt.timedelta(minutes=i, seconds=2), **log_tokens)
    log("r-log-only", at(DAY, 10), input_uncached_tokens=2_000_000)
    e("r-event-only", at(DAY, 11), input_uncached_tokens=300_000)
    recent = NOW - dt.timedelta(minutes=10)
    e("r-recent-event-only", recent, input_uncached_tokens=1_000)
    log("r-recent-log-only", recent, input_uncached_tokens=1_000)
    e("r-recent-both", recent, input_uncached_tokens=1_000)
    log("r-recent-both", recent, input_uncached_tokens=1_000)
    # Read up to two days ago: an event after that has no record yet because the flow has not read it.
    w.ledger(TODAY - dt.timedelta(days=2))
    e("r-unread", at(TODAY - dt.timedelta(days=2), 3), input_uncached_tokens=1_000)
    w.price()


def test_each_status_at_request_grain_with_the_boundary_on_both_sides(world: RequestWorld) -> None:
    build(world)
    rows = world.rows()

    def check(request_id: str, status: str, est: str, act: str, cause: str | None) -> None:
        r = rows[request_id]
        assert (r["status"], r["estimated_usd"], r["actual_usd"], r["cause"]) == (
            status,
            Decimal(est),
            Decimal(act),
            cause,
        ), r
        assert r["grain"] == "request" and r["provider"] == "aws_bedrock"

    fewer, more = "event reports fewer tokens than the log", "event reports more tokens than the log"
    check("r-equal", "matched", "1", "1", None)
    check("r-usd-inside", "matched", "0.95", "1", fewer)  # $0.05 (5.26 %): inside
    check("r-usd-outside", "discrepancy", "0.94", "1", fewer)  # $0.06 (6.38 %): outside
    check("r-pct-inside", "matched", "10", "10.5", fewer)  # 5.00 % ($0.50): inside
    check("r-pct-outside", "discrepancy", "10", "10.51", fewer)  # 5.1 % ($0.51): outside
    check("r-pct-inside-below", "matched", "10", "9.5", more)  # -5.00 %: inside
    check("r-pct-outside-below", "discrepancy", "10", "9.49", more)  # -5.1 %: outside
    check("r-log-only", "not found", "0", "2", "no event: called outside the applications, or event lost")
    check("r-event-only", "not found", "0.3", "0", "no invocation log record for the request")
    assert rows["r-pct-inside"]["estimated_tokens"] == 5_000_000
    assert rows["r-pct-inside"]["actual_tokens"] == 5_250_000
    assert rows["r-usd-outside"]["difference_usd"] == Decimal("0.06")
    # One side only and inside the log's lag window (an hour), or past what the flow has read: pending.
    assert rows["r-recent-event-only"]["status"] == "pending"
    assert rows["r-recent-log-only"]["status"] == "pending"
    assert rows["r-unread"]["status"] == "pending"
    # Found on both sides: decided at once, however recent.
    assert rows["r-recent-both"]["status"] == "matched"


def test_the_summary_shows_bedrock_at_grain_request(world: RequestWorld) -> None:
    build(world)
    summary = world.wh.query(
        DATASET, "SELECT * FROM genai_reconciliation_summary WHERE provider = 'aws_bedrock' AND grain = 'request'"
    )
    assert len(summary) == 1
    s = summary[0]
    # matched: equal, usd-inside, pct-inside, pct-inside-below, recent-both; discrepancy: three outside;
    # not found: log-only, event-only; pending: the two recent one-sided requests and the unread one.
    assert (s["matched"], s["discrepancy"], s["not_found"], s["pending"]) == (5, 3, 2, 3)
    assert s["match_rate_pct"] == 62.5  # 5 of the 8 decided
    # 1 + 1 + 1 + 10.5 + 10.51 + 9.5 + 9.49 + 2 (log only) + 0.001 (recent log) + 0.001 (recent both)
    assert s["actual_usd"] == Decimal("45.002")


def test_unpriced_requests_compare_tokens_within_five_percent(world: RequestWorld) -> None:
    t = at(DAY, 8)
    world.event("u-inside", t, model="mystery-bedrock-model", input_uncached_tokens=960)
    world.log("u-inside", t, model="mystery-bedrock-model", input_uncached_tokens=1_000)  # 4.2 % of 960
    world.event("u-outside", t, model="mystery-bedrock-model", input_uncached_tokens=940)
    world.log("u-outside", t, model="mystery-bedrock-model", input_uncached_tokens=1_000)  # 6.4 % of 940
    world.price()
    rows = world.rows()
    assert [(rows[r]["status"], rows[r]["cause"], rows[r]["actual_usd"]) for r in ("u-inside", "u-outside")] == [
        ("matched", "unpriced", None),
        ("discrepancy", "unpriced", None),
    ]


def test_no_request_grain_without_invocation_logs(world: RequestWorld) -> None:
    """An organization that never turned on invocation logging has no request rows, not a column of 'not found'."""
    world.event("r-1", at(DAY, 9), input_uncached_tokens=1_000)
    world.price()
    assert world.rows() == {}
