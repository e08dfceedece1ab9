"""``genai-costs``: onboard, manage secrets, run the pipeline and report, on either backend."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Table

from genai_costs.errors import GenAICostsError
from genai_costs.onboarding import OnboardRequest, OnboardResult, onboard
from genai_costs.orgs import dataset_for, validate_org_slug
from genai_costs.paths import sql_root
from genai_costs.providers.ids import PROVIDERS, secret_id
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.sqlfiles import load_statement

from .errors import CliError, ErrorMappingGroup, ExitCode, as_cli_error
from .org_data import credentials_point_to_simulator, existing_org_warehouse
from .output import make_console
from .report_command import ReportFormat, ReportOptions, emit_report
from .report_html import write_html
from .reporting import Report, ReportFilter, build_report, print_report

if TYPE_CHECKING:
    from .local.pipeline import LocalRun

app = typer.Typer(
    cls=ErrorMappingGroup,
    add_completion=False,
    no_args_is_help=True,
    help=__doc__,
    epilog="Exit codes: 0 ok, 1 failed, 2 usage, 3 organization not found, 4 credentials, 5 unreachable.",
)
secrets_app = typer.Typer(no_args_is_help=True, help="Provider credentials (values are never printed).")
app.add_typer(secrets_app, name="secrets")
console = make_console()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"genai-costs {package_version('genai-costs')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit")
    ] = False,
) -> None:
    """``genai-costs``: onboard, manage secrets, run the pipeline and report, on either backend."""


def _fail(exc: Exception) -> NoReturn:
    raise as_cli_error(exc)


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


@app.command("onboard", epilog="Example: genai-costs onboard acme   |   genai-costs onboard acme --reset-seed")
def onboard_cmd(org_slug: str, reset_seed: bool = typer.Option(False, help="Reload non-custom catalog rows")) -> None:
    """Create (or complete) an organization's dataset and seed its catalog."""
    try:
        request = OnboardRequest(org_slug=org_slug, reset_seed=reset_seed)
        with open_warehouse(get_settings()) as wh:
            print_onboarding(onboard(wh, request))
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)


@secrets_app.command("set", epilog="Example: genai-costs secrets set acme openai --from-file openai.json")
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


@secrets_app.command("list", epilog="Example: genai-costs secrets list acme")
def secrets_list(org_slug: str | None = typer.Argument(None)) -> None:
    """List secret ids and version counts (never values)."""
    prefix = f"genai-{validate_org_slug(org_slug)}-" if org_slug else "genai-"
    settings = get_settings()
    table = Table("secret", "versions", "updated")
    if settings.backend == "embedded" and not (settings.data_dir / "secrets").is_dir():
        console.print(table)  # nothing stored yet; opening the store would create its key file
        return
    for info in open_secret_store(settings).list(prefix):
        table.add_row(info.secret_id, str(info.versions), str(info.updated_at or ""))
    console.print(table)


def _report(org_slug: str, report_filter: ReportFilter, *, simulated: bool | None = None) -> Report:
    settings = get_settings()
    with existing_org_warehouse(settings, org_slug) as wh:
        if simulated is None:
            simulated = credentials_point_to_simulator(settings, org_slug)
        return build_report(wh, org_slug, report_filter, simulated=simulated)


@app.command(
    "report",
    epilog="Examples: genai-costs report demo   |   genai-costs report demo --from 2026-11-01 --to 2026-11-30 "
    "--provider openai   |   genai-costs report demo --format csv --section cost_by_project > projects.csv   |   "
    "genai-costs report demo --format json --html report.html",
)
def report_cmd(
    org_slug: str,
    start: Annotated[dt.datetime | None, ReportOptions.start] = None,
    end: Annotated[dt.datetime | None, ReportOptions.end] = None,
    days: Annotated[int, ReportOptions.days] = 30,
    provider: Annotated[str | None, ReportOptions.provider] = None,
    tenant: Annotated[str | None, ReportOptions.tenant] = None,
    output_format: Annotated[ReportFormat, ReportOptions.output_format] = ReportFormat.table,
    section: Annotated[str | None, ReportOptions.section] = None,
    html: Annotated[Path | None, ReportOptions.html] = None,
    catalog: bool = typer.Option(False, help="Print the price catalog too (table format)"),
) -> None:
    """Print an organization's spend: totals, trend and forecast, by provider, project and model,
    waste, budgets, unpriced usage, reconciliation and FOCUS totals."""
    validate_org_slug(org_slug)
    report_filter = ReportOptions.to_filter(start, end, days, provider, tenant, dt.datetime.now(dt.UTC).date())
    ReportOptions.check_section(output_format, section)
    report = _report(org_slug, report_filter)
    if catalog and output_format is ReportFormat.table:
        print_catalog(org_slug)
    emit_report(console, report, output_format, section)
    if html:
        make_console(stderr=True).print(f"HTML report: {write_html(report, html)}")


@app.command("run", epilog="Examples: genai-costs run   |   genai-costs run --org-slug acme --days 7 --seed 1")
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
        raise CliError(
            "`run` drives the local simulator; in the cloud, Cloud Scheduler triggers the functions", ExitCode.USAGE
        )
    result = run_local_pipeline(validate_org_slug(org_slug), days=days, seed=seed, console=console)
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
    print_attribution(result)
    print_catalog(org_slug)
    report = _report(org_slug, ReportFilter(result.window), simulated=True)
    print_report(console, report)
    console.print(f"HTML report: {write_html(report, Path(get_settings().data_dir) / 'reports' / f'{org_slug}.html')}")
    failed = [r for r in result.runs if r["status"] == "failed"]
    if failed or result.dead_letters:
        raise CliError(f"{len(failed)} run(s) failed, {result.dead_letters} message(s) dead-lettered")


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


def print_attribution(result: LocalRun) -> None:
    """The bill by tenant, user, service and workflow (with the unallocated remainder), and the capture rate."""
    for dimension in ("tenant", "user", "service", "workflow"):
        table = Table(
            dimension, "requests", "cost (USD)",
            title=f"Cost by {dimension} (genai_cost_allocation: the bill split by the events' estimates)",
        )  # fmt: skip
        for r in (r for r in result.attribution if r["dimension"] == dimension):
            table.add_row(r["value"], _count(r["requests"]), f"{r['cost_usd']:,.2f}")
        console.print(table)
    by_provider: dict[str, list[int | Decimal]] = {}
    for r in result.capture:
        totals = by_provider.setdefault(r["provider"], [0, Decimal(0), Decimal(0)])
        for i, key in enumerate(("events", "estimated_cost_usd", "reported_cost_usd")):
            totals[i] += r[key] or 0
    table = Table(
        "provider", "events", "events' estimate (USD)", "provider-reported (USD)", "capture rate",
        title="Capture rate (events' estimate / cost from the provider's usage; per day: sql/reports/capture_rate.sql)",
    )  # fmt: skip
    for provider, (events, estimated, reported) in sorted(by_provider.items()):
        rate = f"{Decimal(estimated) / Decimal(reported):.1%}" if reported else "n/a (events only)"
        table.add_row(provider, f"{events:,}", f"{estimated:,.2f}", f"{reported:,.2f}", rate)
    console.print(table)


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def main() -> None:  # pragma: no cover
    app()
