"""The import graph of ``genai_costs``: no cycles, no import from a lower layer into a higher one
(directly or through other modules), settings read only at the edges.

Layers, top to bottom (``|`` = independent: siblings that must not import each other):

    functions/*/main.py                       entry points (thin adapters; never import the tools)
    cli > local, reporting                    development tools (the CLI, embedded orchestration)
    pipeline_endpoints | costs                the pipeline HTTP routes (manual runs, backfills, the ledger);
                                              the cost query routes (report, estimate, reconciliation, uploads)
    handlers                                  decode, validate, map failure to retry or acknowledge
    pricing                                   catalog sync, pricing API, corrections (re-run consolidation)
    ingestion | consolidation | onboarding | budgets | pipelines | freshness | events | reconciliation
                                              runners
    runs                                      the run skeleton and the ledger
    conformance, seeds, periods               SQL checks, seed files and closed periods over the warehouse
    providers | warehouse | secrets | messaging
    model                                     the domain types every layer shares
    orgs | logs | paths | httpbody            small utilities
    redaction                                 masking secret values (logs and error texts use it)
    settings | errors
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest
from grimp import Layer

ROOT = "genai_costs"
FUNCTIONS = Path(__file__).resolve().parents[1] / "functions"
TOOLS = ("cli", "local", "reporting")

LAYERS: tuple[Layer, ...] = (
    Layer("cli"),
    Layer("local", "reporting"),
    # the pipeline HTTP routes, and the cost query routes: validation and the org pin over the runners
    Layer("pipeline_endpoints", "costs"),
    Layer("handlers"),
    # pricing: catalog sync and pricing API; a price correction re-runs consolidation for the windows it changes
    Layer("pricing"),
    # runners (budgets: evaluation, ledger, API; events: record_usage; reconciliation: billing imports and
    # estimates)
    Layer(
        "ingestion",
        "consolidation",
        "onboarding",
        "budgets",
        "pipelines",
        "events",
        "reconciliation",
    ),
    # source freshness: read by the budget evaluation, which raises its alerts through the ledger
    Layer("freshness"),
    Layer("runs"),
    Layer("alerting"),  # alert delivery: used by runners (budget evaluation), uses secrets/messaging
    Layer("conformance", "seeds", "periods"),
    Layer("providers", "warehouse", "secrets", "messaging"),
    Layer("model"),
    Layer("orgs", "logs", "paths", "httpbody"),
    Layer("redaction"),
    Layer("settings", "errors"),
)
# Layers inside packages (same notation, relative to the container).
INNER_LAYERS: dict[str, tuple[Layer, ...]] = {
    f"{ROOT}.ingestion": (Layer("payg", "commitment", "invocation_logs"), Layer("credentials", "spool")),
    f"{ROOT}.runs": (Layer("lifecycle"), Layer("lease"), Layer("ledger")),
    f"{ROOT}.providers": (
        Layer("registry", "commitments"),
        Layer("aws_bedrock_invocation_logs"),
        Layer("openai", "anthropic", "azure_openai", "aws_bedrock", "gemini", "vertex_ai"),
        Layer("admin_api_client", "gcp_client"),
        Layer("gcp_billing_export"),
        Layer("gcp_monitoring"),
        Layer("http", "base", "ids"),
        Layer("page_content"),
    ),
    f"{ROOT}.providers.commitments": (
        Layer("registry"),
        Layer("azure_ptu", "bedrock_pt", "vertex_gsu", "vertex_gpu"),
        Layer("_gcp"),
        Layer("base"),
    ),
}
# Known exceptions, each with the reason it is allowed. An exception that no longer matches an
# import fails the test, so the list only shrinks.
ALLOWED: dict[tuple[str, str], str] = {
    (f"{ROOT}.model.messages", f"{ROOT}.providers.ids"): (
        "the Provider / CommitmentType literals; they move into the model's provider catalog"
    ),
}
# Modules that may call get_settings(): the edges, and where the sql/ tree is (a location, not a knob).
SETTINGS_READERS = {f"{ROOT}.cli", f"{ROOT}.local.pipeline", f"{ROOT}.paths"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    g = grimp.build_graph(ROOT, cache_dir=None)
    for importer, imported in ALLOWED:
        assert g.direct_import_exists(importer=importer, imported=imported), (
            f"{importer} no longer imports {imported}: remove the exception from ALLOWED"
        )
        g.remove_import(importer=importer, imported=imported)
    return g


def _route(dependency: grimp.PackageDependency) -> Iterable[str]:
    for route in dependency.routes:
        heads, tails = "|".join(sorted(route.heads)), "|".join(sorted(route.tails))
        yield " -> ".join([heads, *route.middle, tails])


def layer_violations(graph: grimp.ImportGraph) -> list[str]:
    found = graph.find_illegal_dependencies_for_layers(LAYERS, containers={ROOT})
    for container, layers in INNER_LAYERS.items():
        found |= graph.find_illegal_dependencies_for_layers(layers, containers={container})
    return sorted(f"{d.importer} must not import {d.imported}: {route}" for d in found for route in _route(d))


def cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """Every import cycle, each once, found by following each import back to its importer."""
    seen: set[frozenset[str]] = set()
    out = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back and frozenset(back) not in seen:
                seen.add(frozenset(back))
                out.append((importer, *back))
    return out


def test_every_top_level_module_has_a_layer(graph):
    layered = {tail for layer in LAYERS for tail in layer.module_tails}
    children = {m.removeprefix(f"{ROOT}.") for m in graph.find_children(ROOT)}
    assert children - layered == set(), "add the new module to LAYERS (and to the docstring)"
    for container, layers in INNER_LAYERS.items():
        inner = {tail for layer in layers for tail in layer.module_tails}
        assert {m.removeprefix(f"{container}.") for m in graph.find_children(container)} == inner, container


def test_no_import_cycles(graph):
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_import_from_a_lower_layer_into_a_higher_one(graph):
    found = layer_violations(graph)
    assert not found, "imports against the layering:\n" + "\n".join(found)


def test_the_checks_catch_a_seeded_upward_import_and_a_cycle():
    g = grimp.build_graph(ROOT, cache_dir=None)
    g.add_import(importer=f"{ROOT}.model.window", imported=f"{ROOT}.warehouse.base")
    assert any(v.startswith(f"{ROOT}.model must not import {ROOT}.warehouse") for v in layer_violations(g))
    g.add_import(importer=f"{ROOT}.ingestion.payg", imported=f"{ROOT}.ingestion.commitment")
    assert any(f"{ROOT}.ingestion.payg must not import {ROOT}.ingestion.commitment" in v for v in layer_violations(g))
    g.add_import(importer=f"{ROOT}.errors", imported=f"{ROOT}.orgs")
    assert (f"{ROOT}.errors", f"{ROOT}.orgs", f"{ROOT}.errors") in cycles(g)


def _module_name(path: Path) -> str:
    parts = path.relative_to(FUNCTIONS).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
    }


def test_settings_are_read_only_at_the_edges():
    readers = {_module_name(p) for p in (FUNCTIONS / ROOT).rglob("*.py") if "get_settings" in _names(p)} - {
        f"{ROOT}.settings"
    }
    assert readers <= SETTINGS_READERS, "read settings at the edge and pass what is needed down"


@pytest.mark.parametrize("main", sorted(FUNCTIONS.glob("*/main.py")), ids=lambda p: p.parent.name)
def test_entry_points_import_no_development_tools(main):
    tree = ast.parse(main.read_text(encoding="utf-8"))
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    tools = {m for m in imported for t in TOOLS if m == f"{ROOT}.{t}" or m.startswith(f"{ROOT}.{t}.")}
    assert tools == set(), f"{main.parent.name} is deployed without the tools"
