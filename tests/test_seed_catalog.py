"""Checks on the price/subscription catalog seed: the table specs and the default CSV rows.

Pure Python (csv, json, decimal): no database. Each test states an outcome a user relies on,
e.g. "the document's price is the one loaded", "no day has two prices for one model".
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import typing
import uuid
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from genai_costs.model.provider_catalog import PROVIDER_IDS
from genai_costs.model.usage_event import Provider as EventProvider

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "sql" / "tables"
SEED = ROOT / "sql" / "seed"

PROVIDERS = set(PROVIDER_IDS)
ALLOWED_TYPES = {"STRING", "INT64", "NUMERIC", "BOOL", "DATE", "TIMESTAMP", "JSON"}
HOURS_PER_MONTH = Decimal(730)

# Prices as given by the "LLM Subscription & Pricing Seed Data" document, per 1K tokens:
# (input, output, batch input, batch output); batch only for OpenAI.
DOCUMENT_PRICES = {
    ("openai", "gpt-4o"): ("0.0025", "0.01", "0.00125", "0.005"),
    ("openai", "gpt-4o-mini"): ("0.00015", "0.0006", "0.000075", "0.0003"),
    ("openai", "gpt-4-turbo"): ("0.01", "0.03", "0.005", "0.015"),
    ("openai", "gpt-3.5-turbo"): ("0.0005", "0.0015", "0.00025", "0.00075"),
    ("openai", "o1"): ("0.015", "0.06", "0.0075", "0.03"),
    ("openai", "o1-mini"): ("0.003", "0.012", "0.0015", "0.006"),
    ("openai", "o3-mini"): ("0.00115", "0.0044", "0.000575", "0.0022"),
    ("anthropic", "claude-3-5-sonnet-20241022"): ("0.003", "0.015", None, None),
    ("anthropic", "claude-3-5-haiku-20241022"): ("0.0008", "0.004", None, None),
    ("anthropic", "claude-3-opus-20240229"): ("0.015", "0.075", None, None),
    ("anthropic", "claude-3-sonnet-20240229"): ("0.003", "0.015", None, None),
    ("anthropic", "claude-3-haiku-20240307"): ("0.00025", "0.00125", None, None),
    ("gemini", "gemini-2.0-flash"): ("0.0001", "0.0004", None, None),
    ("gemini", "gemini-2.0-flash-lite"): ("0.000075", "0.0003", None, None),
    ("gemini", "gemini-1.5-pro"): ("0.00125", "0.005", None, None),
    ("gemini", "gemini-1.5-flash"): ("0.000075", "0.0003", None, None),
    ("gemini", "gemini-1.5-flash-8b"): ("0.0000375", "0.00015", None, None),
    ("gemini", "text-embedding-004"): ("0.00001", "0.00", None, None),
}
# Document's Gemini free tiers ("N tokens/day", reset daily) -> free_tier_input_tokens.
DOCUMENT_FREE_TIERS = {
    "gemini-2.0-flash": 2_000_000_000,
    "gemini-2.0-flash-lite": 2_000_000_000,
    "gemini-1.5-pro": 50_000_000,
    "gemini-1.5-flash": 1_000_000_000,
    "gemini-1.5-flash-8b": 1_000_000_000,
    "text-embedding-004": 10_000_000,
}
# Document's plans: provider, plan -> expected column values (None = empty cell).
DOCUMENT_PLANS = {
    ("openai", "FREE"): {
        "tier_type": "free",
        "unit_price_usd": "0",
        "rpm_limit": 3,
        "tpm_limit": 40000,
        "rpd_limit": 200,
    },
    ("openai", "TIER1"): {
        "tier_type": "paid",
        "unit_price_usd": "20",
        "rpm_limit": 500,
        "tpm_limit": 30000,
        "rpd_limit": 10000,
    },
    ("openai", "TIER2"): {
        "tier_type": "paid",
        "unit_price_usd": "100",
        "rpm_limit": 5000,
        "tpm_limit": 450000,
        "rpd_limit": None,
    },
    ("openai", "TIER3"): {
        "tier_type": "paid",
        "unit_price_usd": "500",
        "rpm_limit": 10000,
        "tpm_limit": 1000000,
        "rpd_limit": None,
    },
    ("openai", "TIER4"): {
        "tier_type": "enterprise",
        "unit_price_usd": "1000",
        "rpm_limit": 20000,
        "tpm_limit": 2000000,
        "rpd_limit": None,
    },
    ("anthropic", "FREE"): {
        "tier_type": "trial",
        "trial_credit_usd": "5",
        "rpm_limit": 5,
        "tpm_limit": 20000,
        "tpd_limit": 100000,
    },
    ("anthropic", "BUILD"): {
        "tier_type": "paid",
        "trial_credit_usd": "0",
        "rpm_limit": 50,
        "tpm_limit": 40000,
        "tpd_limit": 2000000,
    },
    ("anthropic", "BUILD_TIER2"): {
        "tier_type": "paid",
        "trial_credit_usd": "0",
        "rpm_limit": 100,
        "tpm_limit": 80000,
        "tpd_limit": 4000000,
    },
    ("anthropic", "BUILD_TIER3"): {
        "tier_type": "paid",
        "trial_credit_usd": "0",
        "rpm_limit": 200,
        "tpm_limit": 160000,
        "tpd_limit": 8000000,
    },
    ("anthropic", "BUILD_TIER4"): {
        "tier_type": "paid",
        "trial_credit_usd": "0",
        "rpm_limit": 400,
        "tpm_limit": 400000,
        "tpd_limit": 20000000,
    },
    ("anthropic", "SCALE"): {
        "tier_type": "paid",
        "trial_credit_usd": "0",
        "rpm_limit": 1000,
        "tpm_limit": 800000,
        "tpd_limit": 80000000,
    },
    ("gemini", "FREE"): {
        "tier_type": "free",
        "trial_credit_usd": "0",
        "rpm_limit": 15,
        "tpm_limit": 1000000,
        "tpd_limit": 1500000,
    },
    ("gemini", "PAY_AS_YOU_GO"): {
        "tier_type": "paid",
        "trial_credit_usd": "300",
        "rpm_limit": 360,
        "tpm_limit": 4000000,
        "tpd_limit": 4000000000,
    },
    ("gemini", "CUD_1_YEAR"): {
        "tier_type": "committed_use",
        "trial_credit_usd": "0",
        "discount_percentage": "25",
        "commitment_term_months": 12,
    },
    ("gemini", "CUD_3_YEAR"): {
        "tier_type": "committed_use",
        "trial_credit_usd": "0",
        "discount_percentage": "52",
        "commitment_term_months": 36,
    },
}
# Models the catalog must price beyond the document (one per provider at least).
REQUIRED_MODELS = {
    "openai": {"gpt-4.1", "gpt-4.1-mini", "gpt-5", "gpt-5-mini", "o3", "o4-mini"},
    "anthropic": {
        "claude-sonnet-4-20250514",
        "claude-opus-4-1-20250805",
        "claude-3-7-sonnet-20250219",
        "claude-haiku-4-5",
        "claude-sonnet-4-5",
    },
    "gemini": {"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"},
    "azure_openai": {"gpt-4o", "gpt-4o-mini", "gpt-4.1"},
    "aws_bedrock": {
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "amazon.nova-pro-v1:0",
        "amazon.nova-lite-v1:0",
        "meta.llama3-1-70b-instruct-v1:0",
    },
    "vertex_ai": {"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.0-flash-001", "claude-sonnet-4@20250514"},
}

TABLE_SEEDS = {
    "llm_model_pricing": "default_pricing.csv",
    "llm_subscriptions": "default_subscriptions.csv",
}


def load_spec(table: str) -> dict:
    return json.loads((TABLES / f"{table}.json").read_text())


def fields_of(table: str) -> list[dict]:
    return load_spec(table)["schema"]["fields"]


def read_csv(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (SEED / name).open(newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


PRICING_HEADER, PRICING = read_csv("default_pricing.csv")
SUBS_HEADER, SUBS = read_csv("default_subscriptions.csv")
ROWS = {"llm_model_pricing": PRICING, "llm_subscriptions": SUBS}
NUMERIC_SUBS_COLUMNS = {f["name"] for f in fields_of("llm_subscriptions") if f["type"] == "NUMERIC"}


def dec(value: str) -> Decimal | None:
    return Decimal(value) if value != "" else None


def date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value != "" else None


def pricing_id(row: dict[str, str]) -> str:
    key = "/".join([row["provider"], row["model_id"], row["region"], row["service_tier"], row["effective_date"]])
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "genai-costs/pricing/" + key))


def subscription_id(row: dict[str, str]) -> str:
    key = "/".join([row["provider"], row["plan_name"], row["effective_date"]])
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "genai-costs/subscription/" + key))


def price_key(row: dict[str, str]) -> tuple[str, str, str, str]:
    return row["provider"], row["model_id"], row["region"], row["service_tier"]


# --------------------------------------------------------------------------- table specs


@pytest.mark.parametrize("table", sorted(TABLE_SEEDS))
def test_every_field_is_typed_and_described(table):
    spec = load_spec(table)
    assert spec["description"].strip()
    assert "FLOAT64" in spec["description"], "the NUMERIC-vs-FLOAT64 deviation must be stated"
    names = [f["name"] for f in spec["schema"]["fields"]]
    assert len(names) == len(set(names))
    for field in spec["schema"]["fields"]:
        assert field["type"] in ALLOWED_TYPES, field
        assert field["mode"] in {"REQUIRED", "NULLABLE"}, field
        assert field.get("description", "").strip(), f"{table}.{field['name']} has no description"


@pytest.mark.parametrize("table", sorted(TABLE_SEEDS))
def test_money_is_numeric_and_counts_are_int64(table):
    for field in fields_of(table):
        name = field["name"]
        if name.endswith(("_price", "_per_1k", "_usd")) or name == "discount_percentage":
            assert field["type"] == "NUMERIC", name
        if name.endswith(("_tokens", "_limit", "_months", "_units")) or name == "quantity":
            assert field["type"] == "INT64", name


def test_pricing_table_is_small_and_clustered():
    spec = load_spec("llm_model_pricing")
    assert "timePartitioning" not in spec
    assert spec["clustering"]["fields"] == ["provider", "model_id"]


def test_specs_load_as_bigquery_tables():
    bigquery = pytest.importorskip("google.cloud.bigquery")
    for table in TABLE_SEEDS:
        resource = dict(load_spec(table), tableReference={"projectId": "p", "datasetId": "d", "tableId": table})
        parsed = bigquery.Table.from_api_repr(resource)
        assert [f.name for f in parsed.schema] == [f["name"] for f in fields_of(table)]


# --------------------------------------------------------------------------- CSV shape


@pytest.mark.parametrize("table,csv_name", sorted(TABLE_SEEDS.items()))
def test_csv_header_equals_schema_order(table, csv_name):
    header, _ = read_csv(csv_name)
    assert header == [f["name"] for f in fields_of(table)]


@pytest.mark.parametrize("table", sorted(TABLE_SEEDS))
def test_cells_parse_as_their_declared_type(table):
    for row in ROWS[table]:
        for field in fields_of(table):
            name, value = field["name"], row[field["name"]]
            where = f"{table} {row.get('model_id') or row.get('plan_name')} {name}={value!r}"
            if field["mode"] == "REQUIRED":
                assert value.strip() != "", f"required cell empty: {where}"
            if value == "":
                continue
            if field["type"] == "NUMERIC":
                try:
                    number = Decimal(value)
                except InvalidOperation:
                    pytest.fail(f"not a decimal: {where}")
                assert number.is_finite() and number >= 0, where
                assert -number.as_tuple().exponent <= 9, f"more than 9 fractional digits: {where}"
                assert "," not in value and "e" not in value.lower(), where
            elif field["type"] == "INT64":
                assert value.isdigit(), where
            elif field["type"] == "BOOL":
                assert value in {"true", "false"}, where
            elif field["type"] == "DATE":
                assert date(value).isoformat() == value, where
            elif field["type"] == "TIMESTAMP":
                pytest.fail(f"seed timestamps must be empty: {where}")


@pytest.mark.parametrize("table", sorted(TABLE_SEEDS))
def test_seed_rows_are_usd_and_not_custom(table):
    for row in ROWS[table]:
        assert row["currency"] == "USD"
        assert row["is_custom"] == "false"


@pytest.mark.parametrize("table", sorted(TABLE_SEEDS))
def test_discount_percentage_is_a_percentage(table):
    for row in ROWS[table]:
        if row["discount_percentage"]:
            assert Decimal(0) <= Decimal(row["discount_percentage"]) <= Decimal(100)


# --------------------------------------------------------------------------- ids


def test_pricing_ids_are_unique_and_deterministic():
    ids = [row["pricing_id"] for row in PRICING]
    assert len(ids) == len(set(ids))
    for row in PRICING:
        assert row["pricing_id"] == pricing_id(row), row["model_id"]


def test_subscription_ids_are_unique_and_deterministic():
    ids = [row["subscription_id"] for row in SUBS]
    assert len(ids) == len(set(ids))
    for row in SUBS:
        assert row["subscription_id"] == subscription_id(row), row["plan_name"]


# --------------------------------------------------------------------------- pricing content


def test_all_six_providers_are_priced():
    assert {row["provider"] for row in PRICING} >= PROVIDERS
    # Providers seen only in usage events (Groq has no usage API) are priced too, for the events' estimates.
    event_only = set(typing.get_args(EventProvider)) - PROVIDERS
    assert event_only == {"groq"}
    assert {row["provider"] for row in PRICING} == PROVIDERS | event_only


@pytest.mark.parametrize("provider", sorted(REQUIRED_MODELS))
def test_current_models_are_priced(provider):
    priced = {row["model_id"] for row in PRICING if row["provider"] == provider and row["is_enabled"] == "true"}
    assert REQUIRED_MODELS[provider] <= priced


@pytest.mark.parametrize("key", sorted(DOCUMENT_PRICES), ids=lambda k: "/".join(k))
def test_document_price_is_on_the_earliest_row(key):
    rows = [r for r in PRICING if (r["provider"], r["model_id"]) == key and not r["region"] and not r["service_tier"]]
    assert rows, f"document model missing: {key}"
    earliest = min(rows, key=lambda r: r["effective_date"])
    inp, out, batch_in, batch_out = DOCUMENT_PRICES[key]
    assert earliest["input_price_per_1k"] == inp
    assert earliest["output_price_per_1k"] == out
    if batch_in is not None:
        assert earliest["x_openai_batch_input_price"] == batch_in
        assert earliest["x_openai_batch_output_price"] == batch_out
        assert earliest["batch_input_price_per_1k"] == batch_in
        assert earliest["batch_output_price_per_1k"] == batch_out
    assert earliest["effective_date"] >= "2024-01-01"


def test_document_gemini_free_tiers():
    for model_id, tokens in DOCUMENT_FREE_TIERS.items():
        (row,) = [r for r in PRICING if r["provider"] == "gemini" and r["model_id"] == model_id]
        assert row["pricing_type"] == "free_tier"
        assert int(row["free_tier_input_tokens"]) == tokens
        assert row["free_tier_output_tokens"] == ""
        assert row["free_tier_reset_frequency"] == "daily"


def test_no_two_prices_for_the_same_day():
    by_key = defaultdict(list)
    for row in PRICING:
        start, end = date(row["effective_date"]), date(row["end_date"])
        assert end is None or end >= start, row["pricing_id"]
        by_key[price_key(row)].append((start, end or dt.date.max))
    for key, ranges in by_key.items():
        ranges.sort()
        for (_, prev_end), (next_start, _) in itertools.pairwise(ranges):
            assert prev_end < next_start, f"overlapping prices for {key}"


def test_price_change_is_a_new_row_ending_the_day_before():
    """gpt-4o: the document row is closed (inclusive end_date) the day before the later price starts."""
    rows = sorted(
        (r for r in PRICING if price_key(r) == ("openai", "gpt-4o", "", "")), key=lambda r: r["effective_date"]
    )
    assert len(rows) >= 2
    for earlier, later in itertools.pairwise(rows):
        assert date(earlier["end_date"]) == date(later["effective_date"]) - dt.timedelta(days=1)
    assert rows[-1]["end_date"] == ""


def test_openai_batch_columns_agree():
    for row in PRICING:
        if row["provider"] == "openai":
            assert row["x_openai_batch_input_price"] == row["batch_input_price_per_1k"]
            assert row["x_openai_batch_output_price"] == row["batch_output_price_per_1k"]
        else:
            assert row["x_openai_batch_input_price"] == row["x_openai_batch_output_price"] == ""


def test_discounted_categories_cost_less_than_the_base_rate():
    for row in PRICING:
        inp, out = dec(row["input_price_per_1k"]), dec(row["output_price_per_1k"])
        for col in ("cached_input_price_per_1k", "batch_input_price_per_1k"):
            if row[col]:
                assert dec(row[col]) < inp, (row["model_id"], col)
        if row["batch_output_price_per_1k"]:
            assert dec(row["batch_output_price_per_1k"]) < out, row["model_id"]
        for col in ("cache_write_5m_price_per_1k", "cache_write_1h_price_per_1k"):
            if row[col]:
                assert dec(row[col]) > inp, (row["model_id"], col)


def test_long_context_tier_is_complete_and_higher():
    cols = ("long_context_threshold_tokens", "long_context_input_price_per_1k", "long_context_output_price_per_1k")
    for row in PRICING:
        filled = [bool(row[c]) for c in cols]
        assert all(filled) or not any(filled), row["model_id"]
        if all(filled):
            assert int(row["long_context_threshold_tokens"]) > 0
            assert dec(row["long_context_input_price_per_1k"]) > dec(row["input_price_per_1k"])
            assert dec(row["long_context_output_price_per_1k"]) > dec(row["output_price_per_1k"])


def test_anthropic_cache_rates_follow_published_multipliers():
    """Anthropic: 5-minute write = 1.25x input, 1-hour write = 2x input, cache read = 0.1x input."""
    rows = [r for r in PRICING if r["provider"] == "anthropic" and r["cached_input_price_per_1k"]]
    assert len(rows) >= 8
    for row in rows:
        inp = dec(row["input_price_per_1k"])
        assert dec(row["cache_write_5m_price_per_1k"]) == inp * Decimal("1.25"), row["model_id"]
        assert dec(row["cache_write_1h_price_per_1k"]) == inp * 2, row["model_id"]
        assert dec(row["cached_input_price_per_1k"]) == inp * Decimal("0.1"), row["model_id"]


def test_long_context_rates_for_models_that_publish_them():
    expected = {
        ("anthropic", "claude-sonnet-4-20250514"): 200000,
        ("anthropic", "claude-sonnet-4-5"): 200000,
        ("gemini", "gemini-2.5-pro"): 200000,
        ("gemini", "gemini-1.5-pro"): 128000,
        ("vertex_ai", "gemini-2.5-pro"): 200000,
    }
    for (provider, model_id), threshold in expected.items():
        (row,) = [r for r in PRICING if r["provider"] == provider and r["model_id"] == model_id]
        assert int(row["long_context_threshold_tokens"]) == threshold


def test_every_price_row_names_its_source():
    for row in PRICING:
        assert row["price_source"].startswith(("https://", "LLM Subscription & Pricing Seed Data")), row["model_id"]


# --------------------------------------------------------------------------- subscriptions content


@pytest.mark.parametrize("key", sorted(DOCUMENT_PLANS), ids=lambda k: "/".join(k))
def test_document_plans_are_loaded_as_given(key):
    (row,) = [r for r in SUBS if (r["provider"], r["plan_name"]) == key]
    for column, expected in DOCUMENT_PLANS[key].items():
        if expected is None:
            assert row[column] == "", column
        elif isinstance(expected, int):
            assert int(row[column]) == expected, column
        elif column in NUMERIC_SUBS_COLUMNS:
            assert dec(row[column]) == Decimal(expected), column
        else:
            assert row[column] == expected, column
    assert row["is_enabled"] == "true"


def test_subscription_date_ranges_are_valid():
    for row in SUBS:
        start, end = date(row["effective_date"]), date(row["end_date"])
        assert end is None or end >= start
        c_start, c_end = date(row["commitment_start_date"]), date(row["commitment_end_date"])
        assert c_start is None or c_end is None or c_end >= c_start


def test_commitment_examples_are_disabled_until_configured():
    rows = [r for r in SUBS if r["commitment_type"]]
    assert {r["commitment_type"] for r in rows} == {"azure_ptu", "bedrock_pt", "vertex_gsu"}
    for row in rows:
        assert row["is_enabled"] == "false"
        assert row["tier_type"] == "committed_use"
        assert row["model_id"] and int(row["commitment_units"]) > 0
    (ptu,) = [r for r in rows if r["commitment_type"] == "azure_ptu"]
    assert (ptu["provider"], ptu["model_id"], ptu["region"]) == ("azure_openai", "gpt-4o", "")
    assert int(ptu["commitment_units"]) == int(ptu["quantity"]) == 100
    assert dec(ptu["unit_hourly_price_usd"]) > 0


def test_monthly_unit_price_matches_hourly_price():
    for row in SUBS:
        if row["unit_hourly_price_usd"]:
            assert dec(row["unit_price_usd"]) == dec(row["unit_hourly_price_usd"]) * HOURS_PER_MONTH
