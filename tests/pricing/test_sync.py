"""The price sync on the embedded engine, with small sources in their real formats (conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from genai_costs.errors import ConfigurationError, WarehouseError
from genai_costs.paths import sql_root
from genai_costs.pricing import plan as plan_module
from genai_costs.pricing.proposals import PROJECT_REVIEWER, load_reviewed
from genai_costs.pricing.sync import ReviewDecision, ReviewRequest, SyncRequest, review, run_sync

from .conftest import AS_OF, NOW, base_litellm, litellm_entry, make_sources

D = Decimal


def sync(wh, sources, *, now=NOW, dry_run=False):
    return run_sync(wh, SyncRequest(org_slug="acme", dry_run=dry_run), sources=sources, now=now)


def rows_for(read, wh, model_id):
    return [r for r in read(wh, "llm_model_pricing", "effective_date, pricing_id") if r["model_id"] == model_id]


def proposals_for(read, wh, model_id):
    return [p for p in read(wh, "llm_price_proposals", "rate_column") if p["model_id"] == model_id]


def snapshot(read, wh):
    """Every row of the three tables the sync writes, as JSON text (so equal means equal)."""
    return {t: json.dumps(read(wh, t, "1, 2, 3"), default=str) for t in ("llm_model_pricing", "llm_price_proposals")}


# -- the rule: agreement within 1 % is accepted, anything else is a proposal --------------------------


def test_disagreeing_sources_give_a_proposal_not_an_accepted_row(org, sources, table):
    report = sync(org, sources)
    assert rows_for(table, org, "o9-mini") == []  # LiteLLM 0.0022 vs genai-prices 0.0011 per 1K input
    proposals = {p["rate_column"]: p for p in proposals_for(table, org, "o9-mini")}
    assert set(proposals) == {"input_price_per_1k", "output_price_per_1k"}
    inp = proposals["input_price_per_1k"]
    assert (inp["genai_prices_value"], inp["litellm_value"]) == (D("0.0011"), D("0.0022"))
    assert (inp["genai_prices_version"], inp["litellm_version"]) == ("0.0.1-test", "0.0.1-test")
    assert (inp["kind"], inp["status"], inp["checked_at"]) == ("disagreement", "pending", NOW)
    assert inp["litellm_ref"] == "o9-mini" and inp["genai_prices_ref"] == "o9-mini"
    assert any(d.model_id == "o9-mini" and d.column == "input_price_per_1k" for d in report.disagreements)


def test_agreement_within_one_percent_is_accepted_with_provenance(org, sources, table):
    sync(org, sources)
    (row,) = rows_for(table, org, "gpt-4.1")  # LiteLLM 0.002016 vs genai-prices 0.002: 0.8 % apart
    assert row["input_price_per_1k"] == D("0.002016")  # the less rounded of two agreeing spellings
    assert (row["output_price_per_1k"], row["cached_input_price_per_1k"]) == (D("0.008"), D("0.0005"))
    assert row["is_custom"] is False and row["is_enabled"] is True and row["end_date"] is None
    assert row["price_source"] == "genai-prices + LiteLLM (price sync)"
    assert row["price_source_version"] == "genai-prices==0.0.1-test; litellm==0.0.1-test"
    assert row["price_checked_at"] == NOW
    assert proposals_for(table, org, "gpt-4.1") == []


def test_one_and_a_half_percent_apart_is_not_agreement(org, table):
    entries = base_litellm()
    entries["gpt-4.1"] = litellm_entry("openai", "2.03e-06", "8e-06", cache_read_input_token_cost="5e-07")
    sync(org, make_sources(entries))
    assert rows_for(table, org, "gpt-4.1") == []
    (proposal,) = proposals_for(table, org, "gpt-4.1")
    assert (proposal["rate_column"], proposal["litellm_value"]) == ("input_price_per_1k", D("0.00203"))


def test_every_rate_the_schema_has_is_filled_from_agreeing_sources(org, sources, table):
    sync(org, sources)
    (claude,) = rows_for(table, org, "claude-sonnet-9")
    assert {k: claude[k] for k in claude if k.endswith(("_per_1k", "_tokens")) and claude[k] is not None} == {
        "input_price_per_1k": D("0.003"),
        "output_price_per_1k": D("0.015"),
        "cached_input_price_per_1k": D("0.0003"),
        "cache_write_5m_price_per_1k": D("0.00375"),
        "cache_write_1h_price_per_1k": D("0.006"),
        "long_context_threshold_tokens": 200_000,
        "long_context_input_price_per_1k": D("0.006"),
        "long_context_output_price_per_1k": D("0.0225"),
    }
    (gpt4o,) = rows_for(table, org, "gpt-4o")
    assert (gpt4o["batch_input_price_per_1k"], gpt4o["batch_output_price_per_1k"]) == (D("0.00125"), D("0.005"))
    assert (gpt4o["x_openai_batch_input_price"], gpt4o["x_openai_batch_output_price"]) == (D("0.00125"), D("0.005"))
    (embedding,) = rows_for(table, org, "text-embedding-9")
    assert (embedding["input_price_per_1k"], embedding["output_price_per_1k"]) == (D("0.00002"), D("0"))


def test_a_rate_only_one_source_lists_waits_for_review_and_the_rest_of_the_row_is_written(org, table):
    entries = base_litellm()
    entries["gpt-4.1"]["input_cost_per_token_batches"] = 1e-06  # genai-prices has no batch price for it
    sync(org, make_sources(entries))
    (row,) = rows_for(table, org, "gpt-4.1")
    assert row["batch_input_price_per_1k"] is None  # NULL: bills at the input rate until decided
    (proposal,) = proposals_for(table, org, "gpt-4.1")
    assert (proposal["rate_column"], proposal["kind"]) == ("batch_input_price_per_1k", "single_source")
    assert f"proposal {proposal['proposal_id']}" in row["price_note"]


def test_a_new_model_starts_on_the_catalog_floor_or_when_genai_prices_dates_its_price(org, table):
    sources = make_sources({**base_litellm(), "o9-mini": litellm_entry("openai", "1.1e-06", "4.4e-06")})
    sync(org, sources)
    assert rows_for(table, org, "gpt-4o")[0]["effective_date"] == plan_module.FLOOR_DATE
    assert rows_for(table, org, "o9-mini")[0]["effective_date"] == dt.date(2026, 6, 1)  # conditional price start


# -- history, custom rows, idempotency, all-or-nothing -------------------------------------------------


def _seed_row(wh, model_id, inp, out, *, custom=False, start=dt.date(2025, 1, 1), pricing_id=None, **extra):
    row = {
        "pricing_id": pricing_id or f"seed-{model_id}-{'custom' if custom else 'catalog'}",
        "provider": "openai",
        "model_id": model_id,
        "is_custom": custom,
        "input_price_per_1k": D(inp),
        "output_price_per_1k": D(out),
        "effective_date": start,
        "is_enabled": True,
        "pricing_type": "negotiated" if custom else "standard",
        "currency": "USD",
        "price_source": "test",
        **extra,
    }
    from genai_costs.pricing.store import CatalogStore

    CatalogStore(wh, "acme").replace_pricing([row], [])
    return row


def test_a_changed_price_is_a_new_row_and_the_old_row_only_gets_an_end_date(org, sources, table):
    old = _seed_row(org, "gpt-4o", "0.005", "0.015", cached_input_price_per_1k=D("0.0025"))
    report = sync(org, sources)
    before, after = rows_for(table, org, "gpt-4o")
    assert before["pricing_id"] == old["pricing_id"]
    assert (before["input_price_per_1k"], before["output_price_per_1k"]) == (D("0.005"), D("0.015"))  # untouched
    assert before["cached_input_price_per_1k"] == D("0.0025")
    assert (before["effective_date"], before["end_date"]) == (dt.date(2025, 1, 1), AS_OF - dt.timedelta(days=1))
    assert (after["effective_date"], after["end_date"]) == (AS_OF, None)
    assert (after["input_price_per_1k"], after["output_price_per_1k"]) == (D("0.0025"), D("0.01"))
    assert after["price_note"].startswith(f"follows {old['pricing_id']}")
    (change,) = [c for c in report.changes if c.model_id == "gpt-4o"]
    assert change.kind == "correction" and change.previous_end_date == AS_OF - dt.timedelta(days=1)
    assert {r.column: (r.before, r.after) for r in change.rates}["input_price_per_1k"] == (D("0.005"), D("0.0025"))
    audits = {(a["row_id"], a["action"]) for a in table(org, "llm_pricing_audit")}
    assert {(old["pricing_id"], "sync_end_date"), (after["pricing_id"], "sync_insert")} <= audits


def test_custom_rows_are_never_touched(org, sources, table):
    custom = _seed_row(org, "gpt-4o", "0.0019", "0.0081", custom=True)
    before = [r for r in rows_for(table, org, "gpt-4o") if r["is_custom"]]
    sync(org, sources)
    assert [r for r in rows_for(table, org, "gpt-4o") if r["is_custom"]] == before
    assert before[0]["pricing_id"] == custom["pricing_id"] and before[0]["end_date"] is None
    catalog = [r for r in rows_for(table, org, "gpt-4o") if not r["is_custom"]]
    assert len(catalog) == 1 and catalog[0]["input_price_per_1k"] == D("0.0025")  # its own, separate row


def test_a_disabled_row_is_left_alone(org, sources, table):
    _seed_row(org, "gpt-4o", "0.005", "0.015", is_enabled=False)
    report = sync(org, sources)
    (row,) = rows_for(table, org, "gpt-4o")
    assert row["input_price_per_1k"] == D("0.005") and row["end_date"] is None
    assert any(s.model_id == "gpt-4o" and "disabled" in s.reason for s in report.skipped)


def test_rerunning_the_sync_changes_nothing(org, sources, table):
    _seed_row(org, "gpt-4o", "0.005", "0.015")
    first = sync(org, sources)
    after_first = snapshot(table, org)
    audits = len(table(org, "llm_pricing_audit"))
    second = sync(org, sources, now=NOW + dt.timedelta(hours=3))
    assert first.changed_anything and not second.changed_anything
    assert snapshot(table, org) == after_first and len(table(org, "llm_pricing_audit")) == audits
    third = sync(org, sources, now=NOW + dt.timedelta(days=1))  # the next day too
    assert not third.changed_anything and snapshot(table, org) == after_first


def test_a_dry_run_writes_nothing_but_reports_the_plan(org, sources, table):
    before = snapshot(table, org)
    report = sync(org, sources, dry_run=True)
    assert report.dry_run and report.rows_inserted >= 4 and report.proposals_raised >= 2
    assert snapshot(table, org) == before


def test_a_failed_write_leaves_every_table_as_it_was(org, sources, table, monkeypatch):
    _seed_row(org, "gpt-4o", "0.005", "0.015")
    before = snapshot(table, org)
    original = plan_module.new_proposal

    def broken(**kwargs):
        return {**original(**kwargs), "checked_at": None}  # a REQUIRED column: the insert fails

    monkeypatch.setattr(plan_module, "new_proposal", broken)
    with pytest.raises(WarehouseError, match="rolled back"):
        sync(org, sources)
    assert snapshot(table, org) == before and table(org, "llm_pricing_audit") == []


def test_an_organization_onboarded_before_the_proposals_table_gets_a_clear_error(org, sources):
    org.connection.execute("DROP TABLE acme_prod.llm_price_proposals")
    with pytest.raises(ConfigurationError, match="llm_price_proposals: onboard the organization again"):
        sync(org, sources)


# -- review -----------------------------------------------------------------------------------------------


def _pending(read, wh, model_id, column):
    return next(p for p in proposals_for(read, wh, model_id) if p["rate_column"] == column)


def test_accepting_a_disagreement_writes_the_chosen_value_as_a_new_row(org, sources, table):
    sync(org, sources)
    inp, out = (
        _pending(table, org, "o9-mini", c)["proposal_id"] for c in ("input_price_per_1k", "output_price_per_1k")
    )
    decisions = [
        ReviewDecision(proposal_id=inp, action="accept", use="genai-prices", reason="OpenAI price list"),
        ReviewDecision(proposal_id=out, action="accept", use="genai-prices", reason="OpenAI price list"),
    ]
    result = review(org, ReviewRequest(org_slug="acme", decisions=decisions, actor="ana"), sources=sources, now=NOW)
    assert result.decided == {inp: "accepted", out: "accepted"}
    (row,) = rows_for(table, org, "o9-mini")
    assert (row["input_price_per_1k"], row["output_price_per_1k"]) == (D("0.0011"), D("0.0044"))
    assert row["effective_date"] == dt.date(2026, 6, 1)
    assert f"proposal {inp} accepted (genai-prices) by ana" in row["price_note"]
    decided = _pending(table, org, "o9-mini", "input_price_per_1k")
    assert (decided["status"], decided["decided_by"], decided["decided_value"]) == ("accepted", "ana", D("0.0011"))
    assert decided["applied_pricing_id"] == row["pricing_id"]
    assert {("proposal_accept", inp), ("proposal_accept", out)} <= {
        (a["action"], a["row_id"]) for a in table(org, "llm_pricing_audit")
    }
    assert not sync(org, sources, now=NOW + dt.timedelta(hours=1)).changed_anything  # the decision holds


def test_a_disagreement_needs_a_choice_and_nothing_is_written_without_one(org, sources, table):
    sync(org, sources)
    before = snapshot(table, org)
    pid = _pending(table, org, "o9-mini", "input_price_per_1k")["proposal_id"]
    with pytest.raises(Exception, match="choose use=genai-prices"):
        review(
            org,
            ReviewRequest(org_slug="acme", decisions=[ReviewDecision(proposal_id=pid, action="accept")], actor="ana"),
            sources=sources,
            now=NOW,
        )
    assert snapshot(table, org) == before


def test_rejecting_keeps_the_catalog_and_the_rejection_documents_the_rate(org, sources, table):
    entries = base_litellm()
    entries["gpt-4.1"]["input_cost_per_token_batches"] = 1e-06
    sources = make_sources(entries)
    sync(org, sources)
    pid = _pending(table, org, "gpt-4.1", "batch_input_price_per_1k")["proposal_id"]
    decision = ReviewDecision(proposal_id=pid, action="reject", reason="no batch API for this model")
    result = review(org, ReviewRequest(org_slug="acme", decisions=[decision], actor="ana"), sources=sources, now=NOW)
    (row,) = rows_for(table, org, "gpt-4.1")
    assert row["batch_input_price_per_1k"] is None
    assert _pending(table, org, "gpt-4.1", "batch_input_price_per_1k")["status"] == "rejected"
    assert not result.report.changed_anything or result.report.rows_inserted == 0
    report = sync(org, sources, now=NOW + dt.timedelta(hours=1))
    assert not report.changed_anything
    assert report.proposals_pending == sum(1 for p in table(org, "llm_price_proposals") if p["status"] == "pending")


def test_a_proposal_is_superseded_when_the_sources_come_to_agree(org, sources, table):
    sync(org, sources)
    pid = _pending(table, org, "o9-mini", "input_price_per_1k")["proposal_id"]
    fixed = make_sources({**base_litellm(), "o9-mini": litellm_entry("openai", "1.1e-06", "4.4e-06")})
    report = sync(org, fixed, now=NOW + dt.timedelta(days=1))
    proposal = next(p for p in table(org, "llm_price_proposals") if p["proposal_id"] == pid)
    assert (proposal["status"], proposal["decision_reason"]) == ("superseded", "the sources now agree")
    assert report.proposals_superseded == 2 and rows_for(table, org, "o9-mini")


def test_a_rate_no_source_lists_is_not_carried_when_its_base_rate_changes(org, sources, table):
    _seed_row(
        org, "gpt-4.1", "0.003", "0.012", batch_input_price_per_1k=D("0.0015"), audio_output_price_per_1k=D("0.1")
    )
    sync(org, sources)
    old, new = rows_for(table, org, "gpt-4.1")
    assert old["batch_input_price_per_1k"] == D("0.0015")  # history keeps it
    assert new["input_price_per_1k"] == D("0.002016") and new["batch_input_price_per_1k"] is None
    assert new["audio_output_price_per_1k"] is None  # set against the old output rate, which changed too
    assert "batch_input_price_per_1k: 0.0015 -> NULL (no source lists it; not carried over" in new["price_note"]


# -- the project's own review (sql/seed/price_review.csv) ----------------------------------------------

REVIEW_HEADER = (
    "provider,model_id,region,service_tier,rate_column,genai_prices_value,litellm_value,action,use,value,reason\n"
)


def _project_review(monkeypatch, tmp_path, lines: str) -> None:
    path = tmp_path / "price_review.csv"
    path.write_text(REVIEW_HEADER + lines, encoding="utf-8")
    monkeypatch.setattr("genai_costs.pricing.sync.load_reviewed", lambda _: load_reviewed(path))


def test_a_project_decision_settles_exactly_the_source_values_it_names(org, sources, table, monkeypatch, tmp_path):
    _project_review(
        monkeypatch,
        tmp_path,
        "openai,o9-mini,,,input_price_per_1k,0.0011,0.0022,accept,genai-prices,,OpenAI lists $1.10\n"
        "openai,o9-mini,,,output_price_per_1k,0.0044,0.0088,accept,manual,0.0045,a value neither source has\n",
    )
    report = sync(org, sources)
    (row,) = rows_for(table, org, "o9-mini")
    assert (row["input_price_per_1k"], row["output_price_per_1k"]) == (D("0.0011"), D("0.0045"))
    decided = {p["rate_column"]: p for p in proposals_for(table, org, "o9-mini")}
    assert {p["status"] for p in decided.values()} == {"accepted"}
    assert decided["input_price_per_1k"]["decision_reason"] == "OpenAI lists $1.10"
    assert decided["input_price_per_1k"]["decided_by"] == PROJECT_REVIEWER
    assert decided["input_price_per_1k"]["applied_pricing_id"] == row["pricing_id"]
    assert report.proposals_decided_by_project_review == 2
    assert not sync(org, sources, now=NOW + dt.timedelta(hours=1)).changed_anything


def test_a_project_decision_on_other_source_values_does_not_apply(org, sources, table, monkeypatch, tmp_path):
    # LiteLLM says 0.0022 today; a decision taken when it said 0.0023 is about a different disagreement
    _project_review(
        monkeypatch, tmp_path, "openai,o9-mini,,,input_price_per_1k,0.0011,0.0023,accept,genai-prices,,old values\n"
    )
    sync(org, sources)
    assert rows_for(table, org, "o9-mini") == []
    assert {p["status"] for p in proposals_for(table, org, "o9-mini")} == {"pending"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("openai,o9-mini,,,input_price_per_1k,0.0011,0.0022,accept,,,no choice\n", "names use="),
        ("openai,o9-mini,,,input_price_per_1k,0.0011,0.0022,reject,,,\n", "reason"),
        ("openai,o9-mini,,,input_price,0.0011,0.0022,reject,,,why\n", "unknown rate_column"),
        ("openai,o9-mini,,,input_price_per_1k,1.1e,0.0022,reject,,,why\n", "not a number"),
    ],
)
def test_a_malformed_project_decision_is_a_clear_error(tmp_path, line, message):
    path = tmp_path / "price_review.csv"
    path.write_text(REVIEW_HEADER + line, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        load_reviewed(path)


def test_the_shipped_project_decisions_all_load_with_reasons():
    decided = load_reviewed(sql_root() / "seed" / "price_review.csv")
    assert len(decided) >= 17 and all(d["decision_reason"] for d in decided.values())
