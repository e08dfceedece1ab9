"""``genai-costs``: onboard, manage secrets, run the pipeline and report, on either backend."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from genai_costs.errors import GenAICostsError
from genai_costs.model.window import Window
from genai_costs.onboarding import OnboardRequest, OnboardResult, onboard
from genai_costs.orgs import dataset_for, validate_org_slug
from genai_costs.paths import sql_root
from genai_costs.providers.ids import PROVIDERS, secret_id
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.sqlfiles import load_statement

from .reconcile import (
    load_recommendations,
    load_reconciliation,
    print_estimate,
    print_recommendations,
    print_reconciliation,
)
from .reporting import build_report, print_report, write_html

if TYPE_CHECKING:
    from .local.pipeline import LocalRun

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
secrets_app = typer.Typer(no_args_is_help=True, help="Provider credentials (values are never printed).")
app.add_typer(secrets_app, name="secrets")
reconcile_app = typer.Typer(no_args_is_help=True, help="Usage events against the providers' own data, per grain.")
app.add_typer(reconcile_app, name="reconcile")
# Wide enough for the catalog when output is not a terminal (make run in CI logs).
console = Console(width=160) if not sys.stdout.isatty() else Console()


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


def print_onboarding(result: OnboardResult) -> None:
    table = Table(title=f"Onboarded {result.org_slug} -> dataset {result.dataset}")
    table.add_column("object")
    table.add_column("status")
    table.add_row("dataset " + result.dataset, "created" if result.dataset_created else "already present")
    for name in result.tables_created:
        table.add_row("table " + name, "created")
    for name in result.tables_present:
        table.add_row("table " + name, "already present")
    for name in result.procedures:
        table.add_row("procedure " + name, "created or replaced")
    for name in result.views:
        table.add_row("view " + name, "created or replaced")
    for name, total in result.seed_rows_total.items():
        table.add_row(f"seed rows {name}", f"{result.seed_rows_inserted[name]} inserted, {total} total")
    console.print(table)


def _usd(value: Decimal | None) -> str:
    return "-" if value is None else f"{value.normalize():f}"


def print_catalog(org_slug: str) -> None:
    with open_warehouse(get_settings()) as wh:
        rows = wh.query(dataset_for(org_slug), load_statement(sql_root(), "catalog_listing"))
    table = Table(title=f"Price catalog of {org_slug} (USD per 1M tokens)")
    for col in ("provider", "model", "region/tier", "input", "output", "cached input", "valid from", "until", "custom"):
        table.add_column(col)
    for r in rows:
        where = "/".join(x for x in (r["region"], r["service_tier"]) if x) or "-"
        table.add_row(
            r["provider"],
            r["model_id"],
            where,
            _usd(r["input_per_1m_usd"]),
            _usd(r["output_per_1m_usd"]),
            _usd(r["cached_input_per_1m_usd"]),
            str(r["effective_date"]),
            str(r["end_date"] or ""),
            "yes" if r["is_custom"] else "",
        )
    console.print(table)


@app.command("onboard")
def onboard_cmd(org_slug: str, reset_seed: bool = typer.Option(False, help="Reload non-custom catalog rows")) -> None:
    """Create (or complete) an organization's dataset and seed its catalog."""
    try:
        request = OnboardRequest(org_slug=org_slug, reset_seed=reset_seed)
        with open_warehouse(get_settings()) as wh:
            print_onboarding(onboard(wh, request))
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)


@secrets_app.command("set")
def secrets_set(
    org_slug: str,
    provider: str,
    from_file: typer.FileText | None = typer.Option(None, help="JSON file; default: stdin"),
) -> None:
    """Store a provider credential JSON for an organization (read from a file or stdin)."""
    try:
        validate_org_slug(org_slug)
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}")
        raw = (from_file or sys.stdin).read()
        json.loads(raw)  # must be a JSON document; the provider client validates its fields
        version = open_secret_store(get_settings()).put(secret_id(org_slug, provider), raw.strip())
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)
    console.print(f"stored {secret_id(org_slug, provider)} version {version}")


@secrets_app.command("list")
def secrets_list(org_slug: str | None = typer.Argument(None)) -> None:
    """List secret ids and version counts (never values)."""
    prefix = f"genai-{validate_org_slug(org_slug)}-" if org_slug else "genai-"
    table = Table("secret", "versions", "updated")
    for info in open_secret_store(get_settings()).list(prefix):
        table.add_row(info.secret_id, str(info.versions), str(info.updated_at or ""))
    console.print(table)


def _report(org_slug: str, window: Window, html_path: Path | None) -> None:
    with open_warehouse(get_settings()) as wh:
        report = build_report(wh, org_slug, window)
    print_report(console, report)
    if html_path:
        console.print(f"HTML report with charts: {write_html(report, html_path)}")


@app.command("report")
def report_cmd(
    org_slug: str,
    days: int = typer.Option(30, min=1, max=400, help="Days before today"),
    html: Path | None = typer.Option(None, help="Also write an HTML page with charts here"),
    catalog: bool = typer.Option(False, help="Print the price catalog too"),
) -> None:
    """Print an organization's spend (and optionally its price catalog)."""
    try:
        validate_org_slug(org_slug)
        today = dt.datetime.now(dt.UTC).date()
        if catalog:
            print_catalog(org_slug)
        _report(org_slug, Window(start=today - dt.timedelta(days=days), end=today), html)
    except GenAICostsError as exc:
        _fail(exc)


def _reconciliation(org_slug: str, window: Window) -> None:
    with open_warehouse(get_settings()) as wh:
        print_reconciliation(console, load_reconciliation(wh, org_slug, window))


@reconcile_app.command("summary")
def reconcile_summary_cmd(
    org_slug: str,
    days: int = typer.Option(30, min=1, max=400, help="Days before today"),
) -> None:
    """Matched, discrepancy, not found and pending per provider and grain, and the largest discrepancies."""
    try:
        validate_org_slug(org_slug)
        today = dt.datetime.now(dt.UTC).date()
        _reconciliation(org_slug, Window(start=today - dt.timedelta(days=days), end=today + dt.timedelta(days=1)))
    except GenAICostsError as exc:
        _fail(exc)


@reconcile_app.command("import")
def reconcile_import_cmd(
    org_slug: str,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Billing export (CSV)"),
    provider: str = typer.Option("openai", help="Provider the export comes from"),
) -> None:
    """Import a billing export (e.g. the OpenAI dashboard cost CSV). Re-importing adds nothing; a file
    with bad lines is refused whole, each bad line named."""
    from genai_costs.reconciliation.billing_import import import_export

    try:
        validate_org_slug(org_slug)
        with open_warehouse(get_settings()) as wh:
            result = import_export(
                wh, dataset_for(org_slug), file.read_bytes(), org_slug=org_slug, provider=provider, file_name=file.name
            )
    except GenAICostsError as exc:
        _fail(exc)
    columns = ", ".join(f"{k}<-{v}" for k, v in result.columns.items())
    console.print(f"{file.name}: {result.rows_in_file} rows, {result.rows_added} new (columns: {columns})")


def _estimate(org_slug: str, task: str, days: int, complexity: str | None, min_samples: int) -> None:
    from genai_costs.reconciliation.estimate import estimate

    today = dt.datetime.now(dt.UTC).date()
    with open_warehouse(get_settings()) as wh:
        est = estimate(
            wh,
            dataset_for(org_slug),
            task=task,
            start=today - dt.timedelta(days=days),
            end=today + dt.timedelta(days=1),
            complexity=complexity,  # type: ignore[arg-type]
            min_samples=min_samples,
        )
    print_estimate(console, est)


def _recommendations(org_slug: str) -> None:
    with open_warehouse(get_settings()) as wh:
        print_recommendations(console, load_recommendations(wh, org_slug))


@app.command("recommend")
def recommend_cmd(org_slug: str) -> None:
    """Savings recommendations with dollars per month and their evidence window."""
    try:
        validate_org_slug(org_slug)
        _recommendations(org_slug)
    except GenAICostsError as exc:
        _fail(exc)


@app.command("estimate")
def estimate_cmd(
    org_slug: str,
    task: str = typer.Option(..., help="Feature, service or workflow the calls belong to"),
    complexity: str | None = typer.Option(None, help="trivial, simple, medium, complex or very_complex (defaults)"),
    days: int = typer.Option(30, min=1, max=90, help="Days of history"),
    min_samples: int = typer.Option(20, min=1, help="Calls a model needs for a history-based estimate"),
) -> None:
    """Per-call cost estimate per model from the organization's own events, with a recommended model."""
    try:
        validate_org_slug(org_slug)
        if complexity is not None and complexity not in ("trivial", "simple", "medium", "complex", "very_complex"):
            raise ValueError("complexity must be trivial, simple, medium, complex or very_complex")
        _estimate(org_slug, task, days, complexity, min_samples)
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)


@app.command("run")
def run_cmd(
    org_slug: str = typer.Option("demo", help="Organization to run for"),
    days: int = typer.Option(30, min=1, max=400, help="Days of history to ingest"),
    seed: int = typer.Option(42, help="Simulator seed (same seed, same data)"),
) -> None:
    """The main job on the embedded default: simulator -> ingestion -> consolidation -> report."""
    from genai_costs.settings import get_settings

    from .local.pipeline import run_local_pipeline

    # The terminal shows progress and tables; the JSON log lines the functions write in the
    # cloud are only worth seeing here when something goes wrong.
    os.environ.setdefault("GENAI_COSTS_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    if get_settings().backend != "embedded":
        _fail(ValueError("`run` drives the local simulator; in the cloud, Cloud Scheduler triggers the functions"))
    try:
        result = run_local_pipeline(validate_org_slug(org_slug), days=days, seed=seed, console=console)
    except GenAICostsError as exc:
        _fail(exc)
    print_onboarding(result.onboarding)
    table = Table(
        "provider",
        "flow",
        "status",
        "usage rows",
        "cost rows",
        "quarantined",
        "ms",
        "error",
        title="Runs (from the ledger genai_ingestion_runs)",
    )
    for r in result.runs:
        table.add_row(
            r["provider"],
            r["flow"],
            r["status"],
            _count(r["rows_usage"]),
            _count(r["rows_costs"]),
            _count(r["rows_quarantined"]),
            _count(r["duration_ms"]),
            (r["error"] or "")[:60],
        )
    console.print(table)
    print_usage_events(result)
    print_catalog(org_slug)
    _report(org_slug, result.window, Path(get_settings().data_dir) / "reports" / f"{org_slug}.html")
    # Through today: the buckets still inside the sources' lag windows show as pending.
    _reconciliation(org_slug, Window(start=result.window.start, end=result.window.end + dt.timedelta(days=1)))
    _estimate(org_slug, "hints", days=30, complexity="medium", min_samples=20)  # the tutor's hint calls
    _recommendations(org_slug)
    failed = [r for r in result.runs if r["status"] == "failed"]
    if failed or result.dead_letters:
        _fail(RuntimeError(f"{len(failed)} run(s) failed, {result.dead_letters} message(s) dead-lettered"))


def print_usage_events(result: LocalRun) -> None:
    sent = result.traffic
    answers = ", ".join(f"{n:,} {status}" for status, n in sorted(sent.answers.items()))
    console.print(
        f"Usage events: {sent.requests:,} requests to record_usage carrying {sent.events:,} events "
        f"(resends and late copies included): {answers}"
    )
    table = Table(
        "provider", "source", "events kept", "raw copies", "quarantined", "tenants", "users", "tokens",
        title="Usage events after deduplication (genai_usage_events, one row per (source, event_id))",
    )  # fmt: skip
    for r in result.usage_events:
        table.add_row(
            r["provider"],
            r["source"],
            _count(r["events"]),
            _count(r["raw_copies"]),
            _count(r["quarantined"]),
            _count(r["tenants"]),
            _count(r["users"]),
            _count(r["tokens"]),
        )
    console.print(table)


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def main() -> None:  # pragma: no cover
    app()
