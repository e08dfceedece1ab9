"""The sync against the real pinned sources (genai-prices 0.2.3, LiteLLM 1.110.2's price data) and the
real seed catalog: coverage, the seed corrections, exactness and idempotency on the full data."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from genai_costs.pricing import litellm_data
from genai_costs.pricing.plan import SNAPSHOT_SUFFIX
from genai_costs.pricing.proposals import PROJECT_REVIEWER
from genai_costs.pricing.sources import litellm
from genai_costs.pricing.sync import PriceSources, SyncRequest, run_sync

D = Decimal
AS_OF = dt.date(2026, 12, 2)
NOW = dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def pinned() -> PriceSources:
    return PriceSources.bundled()


@pytest.fixture
def seeded(acme_warehouse):
    return acme_warehouse


def test_the_sources_are_the_pinned_versions(pinned):
    pin = litellm_data.load_pin()
    assert pinned.versions == {"genai-prices": "0.2.3", "litellm": pin.version} and pin.version == "1.110.2"
    assert hashlib.sha256(pin.path.read_bytes()).hexdigest() == pin.sha256


def test_no_token_rate_of_our_providers_needs_rounding(pinned):
    """LiteLLM's literals are short float reprs (2.5e-06): x1000 they fit NUMERIC's 9 decimals exactly."""
    quotes = litellm.quotes(pinned.litellm, AS_OF)
    assert len(quotes) > 1000
    assert [q.key for q in quotes.values() if q.rounded] == []


def test_a_sync_prices_at_least_95_percent_of_the_models_both_sources_list(seeded, pinned):
    report = run_sync(seeded, SyncRequest(org_slug="acme"), sources=pinned, now=NOW)
    before, after = report.coverage_before, report.coverage_after
    assert after.models >= 200 and after.ids >= 400  # the universe both pinned sources list
    assert before.model_share_percent < 15  # the seed catalog has aged
    assert after.model_share_percent >= 95
    assert after.id_share_percent >= 88  # the rest are genuine disagreements, waiting as proposals
    assert set(after.by_provider) == {"openai", "anthropic", "gemini", "azure_openai", "aws_bedrock", "vertex_ai"}
    # what stays unpriced is an input or output price the two sources disagree on, waiting for review
    disputed = {
        f"{d.provider}/{d.model_id}"
        for d in report.disagreements
        if d.column in ("input_price_per_1k", "output_price_per_1k") and d.region is None and d.service_tier is None
    }
    # (a dated snapshot at its base model's prices shares the base model's disagreement)
    assert after.unpriced_ids and {SNAPSHOT_SUFFIX.sub("", i) for i in after.unpriced_ids} <= disputed


def test_the_seed_rows_the_sources_contradict_are_corrected_by_new_rows(seeded, pinned):
    report = run_sync(seeded, SyncRequest(org_slug="acme"), sources=pinned, now=NOW)
    corrections = {
        (c.provider, c.model_id, c.region): {r.column: (r.before, r.after) for r in c.rates}
        for c in report.changes
        if c.kind == "correction"
    }
    # o3-mini: the seed document's $1.15 per 1M input, where OpenAI (both sources) lists $1.10
    assert corrections[("openai", "o3-mini", None)]["input_price_per_1k"] == (D("0.00115"), D("0.0011"))
    # Azure batch rates the seed lacked
    assert corrections[("azure_openai", "gpt-4o-2024-05-13", None)]["batch_input_price_per_1k"] == (None, D("0.0025"))
    # Bedrock cache rates the seed lacked
    assert corrections[("aws_bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0", "us-east-1")][
        "cached_input_price_per_1k"
    ] == (None, D("0.0003"))
    # o1-mini: still at its $3 launch price, 2.7x today's $1.10; only genai-prices still lists it, so the
    # correction is a single-source proposal, settled by the project's own review (sql/seed/price_review.csv)
    assert corrections[("openai", "o1-mini", None)]["input_price_per_1k"] == (D("0.003"), D("0.0011"))
    rows = seeded.query("acme_prod", "SELECT * FROM llm_price_proposals WHERE model_id = 'o1-mini'")
    by_column = {p["rate_column"]: p for p in rows}
    inp = by_column["input_price_per_1k"]
    assert (inp["current_value"], inp["genai_prices_value"], inp["litellm_value"]) == (D("0.003"), D("0.0011"), None)
    assert (inp["kind"], inp["status"], inp["decided_by"]) == ("single_source", "accepted", PROJECT_REVIEWER)
    # Claude 3 Haiku: Anthropic publishes $0.03 / $0.30 per 1M cache read / write, not the seed's multipliers
    haiku = corrections[("anthropic", "claude-3-haiku-20240307", None)]
    assert haiku["cached_input_price_per_1k"] == (D("0.000025"), D("0.00003"))
    # Gemini 1.5 Flash-8B: genai-prices gives Flash's price through a 'contains' match; rejected, seed kept
    assert ("gemini", "gemini-1.5-flash-8b", None) not in corrections
    rejected = seeded.query(
        "acme_prod", "SELECT status FROM llm_price_proposals WHERE model_id = 'gemini-1.5-flash-8b'"
    )
    assert rejected and {p["status"] for p in rejected} == {"rejected"}


def test_a_second_sync_on_the_full_data_changes_nothing(seeded, pinned):
    first = run_sync(seeded, SyncRequest(org_slug="acme"), sources=pinned, now=NOW)
    second = run_sync(seeded, SyncRequest(org_slug="acme"), sources=pinned, now=NOW + dt.timedelta(hours=6))
    assert first.rows_inserted > 400 and first.proposals_raised > 0
    assert not second.changed_anything and second.proposals_pending == first.proposals_pending


def test_audio_rates_only_one_source_lists_are_settled_by_the_project_review(seeded, pinned):
    # LiteLLM alone lists gpt-4o-audio-preview's audio rates (OpenAI's $40 / $80 per 1M); without the
    # project's decision its audio tokens would stay unpriced after every sync.
    run_sync(seeded, SyncRequest(org_slug="acme"), sources=pinned, now=NOW)
    rows = seeded.query(
        "acme_prod",
        "SELECT provider, model_id, audio_input_price_per_1k, audio_output_price_per_1k FROM llm_model_pricing "
        "WHERE end_date IS NULL AND is_enabled AND model_id IN ('gpt-4o-audio-preview-2024-12-17', 'gpt-audio')",
    )
    rates = {
        (r["provider"], r["model_id"]): (r["audio_input_price_per_1k"], r["audio_output_price_per_1k"]) for r in rows
    }
    assert rates[("openai", "gpt-4o-audio-preview-2024-12-17")] == (D("0.04"), D("0.08"))
    # the sources disagree on Azure gpt-audio: the GA price ($32 / $64), not the preview's $40 / $80
    assert rates[("azure_openai", "gpt-audio")] == (D("0.032"), D("0.064"))
