"""The provider catalog is the one source: every piece derived from it exists for every provider and
commitment type, and forgetting any piece for one provider fails loudly.

Each ``check_*`` function verifies one derived piece for one provider against a source tree (the
repository, or a mutated copy of it). The matrix test runs every check for every provider on the
repository; the mutation tests remove one provider's piece from a copy and assert that the check
for that piece raises, so a forgotten piece cannot pass silently. ``test_end_to_end`` proves the
same for the pieces only a run can show: usage consolidated, FOCUS names from the catalog, the
provider in the reconciliation.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import get_args

import pytest
from sqlglot import exp

from genai_costs.errors import ConformanceError
from genai_costs.model import provider_catalog as catalog
from genai_costs.model.messages import CommitmentMessage, PaygMessage
from genai_costs.providers.commitments import registry as commitment_sources
from genai_costs.providers.registry import client_class
from genai_costs.settings import get_settings
from genai_costs.warehouse.sqlfiles import read_view
from genai_costs.warehouse.tables import load_table_spec

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("render_catalog", REPO / "tools" / "render_catalog.py")
assert _spec and _spec.loader
render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render)

PROVIDER_IDS = [p.id for p in catalog.PROVIDERS]
UNION_VIEWS = {
    "usage": "genai_payg_usage_all",
    "costs": "genai_payg_costs_all",
    "capacity": "genai_commitment_capacity_all",
}


@dataclass(frozen=True)
class Tree:
    sql: Path
    terraform_providers: Path

    @classmethod
    def repository(cls) -> Tree:
        return cls(REPO / "sql", render.TERRAFORM_PROVIDERS)

    def copy_to(self, tmp: Path) -> Tree:
        shutil.copytree(self.sql, tmp / "sql")
        shutil.copy(self.terraform_providers, tmp / "providers.json")
        return Tree(tmp / "sql", tmp / "providers.json")


# --- one check per derived piece ----------------------------------------------------------------
def check_types(entry: catalog.ProviderEntry, tree: Tree) -> None:
    assert entry.id in get_args(catalog.Provider), f"{entry.id} is not a valid Provider"
    assert PaygMessage(org_slug="acme", provider=entry.id).provider == entry.id


def check_client(entry: catalog.ProviderEntry, tree: Tree) -> None:
    cls = client_class(entry.id)
    assert cls.provider == entry.id and callable(cls.from_secret), f"{entry.client} is not the {entry.id} client"


def check_raw_table_specs(entry: catalog.ProviderEntry, tree: Tree) -> None:
    rendered = {p.name: text for p, text in render.table_specs().items()}
    for table in entry.raw_tables:
        path = tree.sql / "tables" / f"{table}.json"
        assert path.exists(), f"{entry.id}: no table spec {path.name} (run tools/render_catalog.py)"
        load_table_spec(path)
        if path.name in rendered:
            assert path.read_text() == rendered[path.name], f"{path.name} is stale (run tools/render_catalog.py)"


def check_union_views(entry: catalog.ProviderEntry, tree: Tree) -> None:
    expected = {
        UNION_VIEWS["usage"]: "payg" in entry.flows and f"genai_payg_{entry.id}_usage",
        UNION_VIEWS["costs"]: "payg" in entry.flows and f"genai_payg_{entry.id}_costs",
        UNION_VIEWS["capacity"]: "commitment" in entry.flows and f"genai_commitment_{entry.id}_capacity",
    }
    for view, table in expected.items():
        if not table:
            continue
        query = read_view(tree.sql / "views" / f"{view}.sql").parsed()
        assert table in {t.name for t in query.find_all(exp.Table)}, f"{view} does not read {table}"


def _seed(tree: Tree, file_name: str) -> list[dict[str, str]]:
    with (tree.sql / "seed" / file_name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def check_reference_tables(entry: catalog.ProviderEntry, tree: Tree) -> None:
    rendered = render.reference_seeds()[REPO / "sql" / "seed" / "genai_ref_providers.csv"]
    expected = next(r for r in csv.DictReader(rendered.splitlines()) if r["provider"] == entry.id)
    rows = [r for r in _seed(tree, "genai_ref_providers.csv") if r["provider"] == entry.id]
    assert rows == [expected], (
        f"genai_ref_providers.csv has no current row for {entry.id} (run tools/render_catalog.py)"
    )
    commitment_rows = {r["commitment_type"] for r in _seed(tree, "genai_ref_commitment_types.csv")}
    missing = {c.id for c in entry.commitment_types} - commitment_rows
    assert not missing, f"genai_ref_commitment_types.csv lacks {sorted(missing)}"


def check_terraform(entry: catalog.ProviderEntry, tree: Tree) -> None:
    body = json.loads(tree.terraform_providers.read_text())
    assert entry.id in body["providers"], f"terraform providers.json does not list {entry.id}"
    for c in entry.commitment_types:
        assert c.id in body[f"{c.flow}_types"], f"terraform providers.json does not list {c.id}"


def check_simulator(entry: catalog.ProviderEntry, tree: Tree) -> None:
    from genai_costs_cli.local.simulator_credentials import simulator_credentials
    from provider_sim.catalog import PROVIDER_NAMES
    from provider_sim.faults import PROVIDERS as FAULT_SURFACES

    assert entry.simulator.dataset in PROVIDER_NAMES, f"the simulator has no data set for {entry.id}"
    assert entry.simulator.fault_surface in FAULT_SURFACES, f"the simulator has no fault surface for {entry.id}"
    creds = simulator_credentials("http://127.0.0.1:1", "acme", 42)
    assert entry.id in creds, f"local/simulator_credentials.py has no credentials for {entry.id}"


CHECKS: dict[str, Callable[[catalog.ProviderEntry, Tree], None]] = {
    "types": check_types,
    "client": check_client,
    "raw_table_specs": check_raw_table_specs,
    "union_views": check_union_views,
    "reference_tables": check_reference_tables,
    "terraform": check_terraform,
    "simulator": check_simulator,
}


@pytest.mark.parametrize("piece", CHECKS)
@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_every_derived_piece_exists_for_every_provider(provider, piece):
    CHECKS[piece](catalog.provider(provider), Tree.repository())


# --- forgetting a piece for one provider fails ----------------------------------------------------
def _drop_union_branch(tree: Tree, view: str, table: str) -> None:
    path = tree.sql / "views" / f"{view}.sql"
    head, _, body = path.read_text().partition(f"CREATE OR REPLACE VIEW {view} AS\n")
    branches = [b for b in body.strip().split("\nUNION ALL\n") if not b.rstrip().endswith(f"FROM {table}")]
    path.write_text(f"{head}CREATE OR REPLACE VIEW {view} AS\n" + "\nUNION ALL\n".join(branches) + "\n")


def _drop_seed_row(tree: Tree, provider: str) -> None:
    path = tree.sql / "seed" / "genai_ref_providers.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(f"{provider},")))


def _drop_terraform(tree: Tree, provider: str) -> None:
    body = json.loads(tree.terraform_providers.read_text())
    body["providers"].remove(provider)
    tree.terraform_providers.write_text(json.dumps(body))


def _drop_table_spec(tree: Tree, provider: str) -> None:
    (tree.sql / "tables" / f"genai_payg_{provider}_costs.json").unlink()


MUTATIONS: dict[str, Callable[[Tree, str], None]] = {
    "union_views": lambda tree, p: _drop_union_branch(tree, UNION_VIEWS["costs"], f"genai_payg_{p}_costs"),
    "reference_tables": _drop_seed_row,
    "terraform": _drop_terraform,
    "raw_table_specs": _drop_table_spec,
}


@pytest.mark.parametrize("piece", MUTATIONS)
@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_forgetting_a_piece_for_one_provider_fails(provider, piece, tmp_path):
    tree = Tree.repository().copy_to(tmp_path)
    MUTATIONS[piece](tree, provider)
    with pytest.raises(AssertionError, match=provider):
        CHECKS[piece](catalog.provider(provider), tree)
    others = [p for p in catalog.PROVIDERS if p.id != provider]
    for entry in others:  # only the mutated provider is reported
        CHECKS[piece](entry, tree)


def test_forgetting_the_catalog_entry_fails_at_every_edge():
    with pytest.raises(KeyError, match="mistral"):
        catalog.provider("mistral")
    with pytest.raises(ValueError, match="mistral"):
        PaygMessage(org_slug="acme", provider="mistral")


def test_the_catalog_refuses_two_subcategories_for_one_service_name():
    """FOCUS CAU-ServiceName-C-008-C by construction: a second entry naming an existing ServiceName
    with another ServiceSubcategory makes the catalog fail to load."""
    vertex = catalog.provider("vertex_ai")
    machine_learning = vertex.focus.model_copy(update={"service_subcategory": "Machine Learning"})
    clash = vertex.model_copy(update={"id": "vertex_ai_gpu", "focus": machine_learning})
    catalog.check_catalog(catalog.PROVIDERS, catalog.COMMITMENT_TYPES, catalog.TOKEN_CATEGORIES)
    with pytest.raises(ValueError, match="Vertex AI"):
        catalog.check_catalog((*catalog.PROVIDERS, clash), catalog.COMMITMENT_TYPES, catalog.TOKEN_CATEGORIES)


def test_every_commitment_type_has_its_pieces():
    for c in catalog.COMMITMENT_TYPES:
        assert CommitmentMessage(org_slug="acme", commitment_type=c.id).commitment_type == c.id
        assert commitment_sources.COMMITMENT_PROVIDERS[c.id] == c.provider
        module = importlib.import_module(c.source)
        assert callable(module.from_secret), c.source
        load_table_spec(REPO / "sql" / "tables" / f"{c.raw_table}.json")


def test_every_rendered_file_is_current():
    assert not render.stale(), f"run python tools/render_catalog.py; stale: {render.stale()}"


def test_the_terraform_module_reads_the_rendered_provider_list():
    main = (REPO / "terraform" / "modules" / "genai_costs_org" / "main.tf").read_text()
    variables = (REPO / "terraform" / "modules" / "genai_costs_org" / "variables.tf").read_text()
    assert 'jsondecode(file("${path.module}/providers.json"))' in main
    for key in ("providers", "commitment_types", "infrastructure_types"):
        assert f"contains(local.catalog.{key}," in variables
    assert '"openai", "anthropic"' not in variables  # no hand-written list left


# --- end to end: the pieces only a run can show ---------------------------------------------------
DAY = dt.date(2026, 11, 2)


def _usage_row(provider: str, **extra) -> dict:
    start = dt.datetime.combine(DAY, dt.time(), dt.UTC)
    tokens = {
        "input_uncached_tokens": 1_000_000,
        "input_cached_tokens": 0,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "input_audio_tokens": 0,
        "output_tokens": 0,
        "output_audio_tokens": 0,
    }
    return {
        "record_id": f"r-{provider}",
        "run_id": "t",
        "ingested_at": start,
        "org_slug": "acme",
        "provider": provider,
        "source": "test",
        "bucket_start": start,
        "bucket_width": "1d",
        "usage_date": DAY,
        "model": "catalog-test-model",
        "project_id": "p1",
        "requests": 1,
        "provider_total_tokens": 1_000_000,
        **tokens,
        **extra,
    }


def _cost_row(provider: str) -> dict:
    start = dt.datetime.combine(DAY, dt.time(), dt.UTC)
    return {
        "record_id": f"c-{provider}",
        "run_id": "t",
        "ingested_at": start,
        "org_slug": "acme",
        "provider": provider,
        "source": "test",
        "usage_date": DAY,
        "amount": Decimal("2"),
        "currency": "USD",
        "is_estimated": False,
    }


def run_provider_through_consolidation(warehouse, provider: str) -> dict:
    """On an onboarded warehouse, load one usage row and one provider cost row for ``provider``, consolidate
    one day; return what the user would look for: the daily usage, the FOCUS names, the reconciliation."""
    from genai_costs.consolidation import consolidate
    from genai_costs.paths import sql_root
    from genai_costs.warehouse.tables import load_table_specs

    specs = load_table_specs(sql_root())
    pricing = specs["llm_model_pricing"]
    price = dict.fromkeys(pricing.field_names) | {
        "pricing_id": "catalog-test",
        "provider": provider,
        "model_id": "catalog-test-model",
        "is_custom": True,
        "input_price_per_1k": Decimal("0.002"),
        "output_price_per_1k": Decimal("0.002"),
        "effective_date": dt.date(2026, 1, 1),
        "is_enabled": True,
        "pricing_type": "negotiated",
        "currency": "USD",
    }
    warehouse.load_rows("acme_prod", pricing, [price])
    usage_spec = specs[f"genai_payg_{provider}_usage"]
    warehouse.load_rows("acme_prod", usage_spec, [dict.fromkeys(usage_spec.field_names) | _usage_row(provider)])
    costs_spec = specs[f"genai_payg_{provider}_costs"]
    warehouse.load_rows("acme_prod", costs_spec, [dict.fromkeys(costs_spec.field_names) | _cost_row(provider)])
    from genai_costs.model.messages import ConsolidateMessage

    consolidate(
        ConsolidateMessage(org_slug="acme", start_date=DAY, end_date=DAY + dt.timedelta(days=1)), warehouse=warehouse
    )
    q = lambda sql: warehouse.query("acme_prod", sql)  # noqa: E731
    return {
        "daily": q(f"SELECT provider FROM genai_usage_daily WHERE usage_date >= '{DAY}' AND provider = '{provider}'"),
        "focus": q(
            "SELECT ServiceName, ServiceSubcategory, ProviderName, PublisherName, SubAccountType, EffectiveCost "
            f"FROM cost_data_standard_1_3 WHERE ChargePeriodStart >= TIMESTAMP '{DAY}' AND x_Provider = '{provider}'"
        ),
        "reconciliation": q(
            f"SELECT computed_usd, reported_usd FROM genai_reconciliation_daily WHERE provider = '{provider}'"
        ),
    }


@pytest.fixture
def today_is_the_test_day(monkeypatch):
    """The reconciliation views look at the last 90 days of CURRENT_DATE: fine for 2026-11-02 data
    until early 2027; skip rather than fail when the clock has moved past that."""
    if (dt.date.today() - DAY).days > 80:
        pytest.skip("the reconciliation views' 90-day lookback no longer covers the test day")


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_end_to_end_every_provider_is_consolidated_named_and_reconciled(
    provider, acme_warehouse, today_is_the_test_day
):
    entry = catalog.provider(provider)
    seen = run_provider_through_consolidation(acme_warehouse, provider)
    assert seen["daily"] == [{"provider": provider}]
    (focus,) = seen["focus"]
    assert focus["ServiceName"] == entry.focus.service_name
    assert focus["ServiceSubcategory"] == entry.focus.service_subcategory
    assert focus["ProviderName"] == entry.focus.provider_name
    assert focus["PublisherName"] == (entry.focus.publisher_name or entry.focus.fallback_publisher_name)
    assert focus["SubAccountType"] == entry.focus.subaccount_type
    assert focus["EffectiveCost"] == Decimal("2")  # 1M input tokens x $2 per 1M
    assert seen["reconciliation"] == [{"computed_usd": Decimal("2"), "reported_usd": Decimal("2")}]


@pytest.mark.parametrize("provider", ["openai", "vertex_ai"])
def test_end_to_end_a_provider_missing_from_a_union_view_is_caught(provider, warehouse, tmp_path, monkeypatch):
    """The two silent failures of hand-written unions: usage never consolidated, provider missing
    from the reconciliation. With the provider's branch dropped from the rendered views, the same
    end-to-end check fails."""
    tree = Tree.repository().copy_to(tmp_path)
    _drop_union_branch(tree, UNION_VIEWS["usage"], f"genai_payg_{provider}_usage")
    _drop_union_branch(tree, UNION_VIEWS["costs"], f"genai_payg_{provider}_costs")
    monkeypatch.setenv("GENAI_COSTS_SQL_DIR", str(tree.sql))
    get_settings.cache_clear()
    from genai_costs.onboarding import OnboardRequest, onboard

    onboard(warehouse, OnboardRequest(org_slug="acme"))  # with the rendered views the test dropped a branch from
    seen = run_provider_through_consolidation(warehouse, provider)
    assert seen["daily"] == [] and seen["focus"] == [] and seen["reconciliation"] == []


def test_a_provisioned_tier_without_a_commitment_type_fails_the_run(acme_warehouse):
    """The former `ELSE 'vertex_gsu'` default: a provider whose catalog entry names no capacity
    commitment gets no invented one; its provisioned tokens fail the conformance check instead."""
    assert catalog.provider("openai").provisioned_commitment_type is None
    from genai_costs.consolidation import consolidate
    from genai_costs.model.messages import ConsolidateMessage
    from genai_costs.paths import sql_root
    from genai_costs.warehouse.tables import load_table_specs

    warehouse = acme_warehouse
    spec = load_table_specs(sql_root())["genai_payg_openai_usage"]
    warehouse.load_rows(
        "acme_prod", spec, [dict.fromkeys(spec.field_names) | _usage_row("openai", service_tier="reserved")]
    )
    with pytest.raises(ConformanceError, match="committed"):
        consolidate(
            ConsolidateMessage(org_slug="acme", start_date=DAY, end_date=DAY + dt.timedelta(days=1)),
            warehouse=warehouse,
        )
