"""Class 1, exactly-once rows: a provider that serves data again (a page repeated under a fresh
cursor, a record repeated in a later bucket) still lands each record exactly once, in usage and
costs alike; two different versions of one record are refused, never both stored."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from genai_costs.errors import GenAICostsError
from genai_costs.ingestion.payg import ingest_payg
from genai_costs.model.messages import PaygMessage
from genai_costs.model.records import CostRecord, UsageRecord

from .conftest import DATASET, ORG, ingest, inject, rows, served_faults

UTC = dt.UTC


@pytest.mark.parametrize("provider", ["openai", "anthropic", "vertex_ai"])
def test_pages_repeated_under_fresh_cursors_land_each_record_once(onboarded, store, simulator, provider):
    clean = ingest(onboarded, store, provider)
    expected = {t: rows(onboarded, f"genai_payg_{provider}_{t}") for t in ("usage", "costs", "quarantine")}
    assert expected["usage"] and expected["costs"]

    httpx.delete(f"{simulator}/_sim/requests")
    # The first page of every request stream is served twice, and later pages too.
    inject(simulator, provider, ["repeat", "repeat", "ok", "repeat", "ok", "ok", "repeat"])
    repeated = ingest(onboarded, store, provider)

    assert served_faults(simulator).count("repeat") >= 2, "the provider never repeated a page: the test proved nothing"
    for table, before in expected.items():
        assert rows(onboarded, f"genai_payg_{provider}_{table}") == before, f"{table} differs after repeated pages"
    assert (repeated.rows_usage, repeated.rows_costs) == (clean.rows_usage, clean.rows_costs)


class Replaying:
    """A provider client whose stream serves some records again later (another bucket in between)."""

    def __init__(self, usage, costs=()):
        self.usage, self.costs = list(usage), list(costs)

    def iter_usage(self, window):
        yield from self.usage

    def iter_costs(self, window):
        yield from self.costs

    def close(self):
        pass


def usage(day: int, hour: int, output: int = 50) -> UsageRecord:
    return UsageRecord(
        provider="openai",
        source="openai.usage.completions",
        bucket_start=dt.datetime(2026, 11, day, hour, tzinfo=UTC),
        bucket_width="1h",
        model="gpt-4o",
        project_id="proj_a",
        input_uncached_tokens=100,
        output_tokens=output,
        requests=3,
        provider_total_tokens=100 + output,
    )


def cost(day: int, amount: str) -> CostRecord:
    return CostRecord(
        provider="openai",
        source="openai.costs",
        usage_date=dt.date(2026, 11, day),
        model="gpt-4o",
        line_item="gpt-4o, input",
        amount=amount,
        currency="USD",
    )


def run(warehouse, store, client):
    message = PaygMessage(org_slug=ORG, provider="openai", start_date="2026-11-01", end_date="2026-11-04")
    return ingest_payg(message, warehouse=warehouse, secrets=store, client_factory=lambda *a, **k: client)


def raw(warehouse, table):
    return warehouse.query(DATASET, f"SELECT * FROM {table} WHERE usage_date >= '2026-11-01' ORDER BY record_id")


def test_a_record_served_again_in_a_later_bucket_is_stored_once(onboarded, store):
    # The repeat comes after other buckets: a guard that forgets ids when the bucket changes misses it.
    client = Replaying(
        [usage(1, 0), usage(1, 1), usage(2, 0), usage(1, 0), usage(1, 1)],
        [cost(1, "0.25"), cost(2, "0.50"), cost(1, "0.25")],
    )
    result = run(onboarded, store, client)
    assert [(r["usage_date"].day, r["output_tokens"]) for r in raw(onboarded, "genai_payg_openai_usage")] == sorted(
        [(1, 50), (1, 50), (2, 50)]
    )
    assert len(raw(onboarded, "genai_payg_openai_usage")) == 3
    assert sorted(str(r["amount"]) for r in raw(onboarded, "genai_payg_openai_costs")) == ["0.250000000", "0.500000000"]
    assert raw(onboarded, "genai_payg_openai_quarantine") == []
    assert (result.rows_usage, result.rows_costs, result.rows_quarantined) == (3, 2, 0)


@pytest.mark.parametrize(
    "client",
    [
        Replaying([usage(1, 0), usage(2, 0), usage(1, 0, output=70)]),
        Replaying([usage(1, 0)], [cost(1, "0.25"), cost(2, "0.50"), cost(1, "0.30")]),
    ],
    ids=["usage", "costs"],
)
def test_two_versions_of_one_record_fail_the_run_and_write_nothing(onboarded, store, client):
    run(onboarded, store, Replaying([usage(1, 0, output=10), usage(3, 0)], [cost(3, "9.99")]))
    before = {t: raw(onboarded, f"genai_payg_openai_{t}") for t in ("usage", "costs", "quarantine")}
    with pytest.raises(GenAICostsError, match="different versions"):
        run(onboarded, store, client)
    assert {t: raw(onboarded, f"genai_payg_openai_{t}") for t in before} == before
    (failed,) = onboarded.query(DATASET, "SELECT error FROM genai_ingestion_runs WHERE status = 'failed'")
    assert "different versions" in failed["error"]


def test_a_record_both_valid_and_invalid_is_refused(onboarded, store):
    """One version passes the token invariant and another does not: storing the first in usage and the
    second in quarantine would keep the record twice."""
    broken = usage(1, 0).model_copy(update={"provider_total_tokens": 999})
    with pytest.raises(GenAICostsError, match="different versions"):
        run(onboarded, store, Replaying([usage(1, 0), usage(2, 0), broken]))
    assert raw(onboarded, "genai_payg_openai_usage") == []
    assert json.dumps(raw(onboarded, "genai_payg_openai_quarantine")) == "[]"


def test_paging_skips_a_page_served_again_and_stops_a_provider_that_only_repeats():
    from genai_costs.errors import ProviderResponseError
    from genai_costs.providers.http import MAX_REPEATED_PAGES, paginate

    def listing(bodies):
        # Each page: its records and a fresh cursor to the next one (never a cursor seen before).
        pages = [
            {"data": body, "has_more": i + 1 < len(bodies), "next_page": f"c{i + 1}"} for i, body in enumerate(bodies)
        ]
        return lambda cursor: pages[int(cursor[1:]) if cursor else 0]

    def next_cursor(page):
        return page["next_page"] if page["has_more"] else None

    fetch = listing([[1, 2], [3], [1, 2], [4], [3]])
    assert [p["data"] for p in paginate(fetch, next_cursor, provider="p")] == [[1, 2], [3], [4]]

    looping = listing([[1]] * (MAX_REPEATED_PAGES + 5))
    with pytest.raises(ProviderResponseError, match="repeated earlier pages"):
        list(paginate(looping, next_cursor, provider="p"))
