"""``genai-costs``: onboard, manage secrets, run the pipeline and report, on either backend."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from enum import StrEnum
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.markup import escape
from rich.table import Table

from genai_costs.errors import GenAICostsError
from genai_costs.model.window import Window
from genai_costs.onboarding import OnboardRequest, OnboardResult, onboard
from genai_costs.orgs import dataset_for, validate_org_slug
from genai_costs.paths import sql_root
from genai_costs.providers.ids import PROVIDERS, secret_id
from genai_costs.providers.registry import validate_credentials
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.sqlfiles import load_statement

from .budgets import budgets_app
from .costs_cli import costs_cmd
from .errors import CliError, ErrorMappingGroup, ExitCode, as_cli_error
from .freshness_cli import freshness_cmd
from .ops import pipelines_app, schedules_app, serve_cmd
from .org_data import credentials_point_to_simulator, existing_org_warehouse
from .output import make_console
from .periods import periods_app
from .prices import plans_app, prices_app
from .reconcile import (
    load_calibration,
    load_recommendations,
    load_reconciliation,
    print_calibration,
    print_estimate,
    print_recommendations,
    print_reconciliation,
)
from .report_command import ReportFormat, ReportOptions, emit_report
from .report_html import write_html
from .reporting import Report, ReportFilter, build_report, print_report

if TYPE_CHECKING:
    from .local.pipeline import BudgetsDemo, LocalRun

app = typer.Typer(
    cls=ErrorMappingGroup,
    add_completion=False,
    no_args_is_help=True,
    help=__doc__,
    epilog="Exit codes: 0 ok, 1 failed, 2 usage, 3 organization not found, 4 credentials, 5 unreachable.",
)
secrets_app = typer.Typer(no_args_is_help=True, help="Provider credentials (values are never printed).")
app.add_typer(secrets_app, name="secrets")
app.add_typer(budgets_app, name="budgets")
app.add_typer(pipelines_app, name="pipelines")
app.add_typer(schedules_app, name="schedules")
app.command("serve", epilog="Example: genai-costs serve --org acme --port 8001")(serve_cmd)
app.command(
    "freshness",
    epilog="Examples: genai-costs freshness acme   |   genai-costs freshness acme --alert-targets targets.json",
)(freshness_cmd)
app.command(
    "costs",
    epilog="Examples: genai-costs costs demo --period-days 7 --group-by tenant_id   |   "
    "genai-costs costs acme --workflow-id wf-42 --format json",
)(costs_cmd)
app.add_typer(prices_app, name="prices")
app.add_typer(plans_app, name="plans")
app.add_typer(periods_app, name="periods")
reconcile_app = typer.Typer(no_args_is_help=True, help="Usage events against the providers' own data, per grain.")
app.add_typer(reconcile_app, name="reconcile")
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


# Each provider's secret: one JSON object ("?" = optional). Kept in step with the clients' credential
# models by tests/test_cli_secrets.py; the deployment guide (terraform/README.md, section 5) has the same.
SECRET_FORMATS: dict[str, str] = {
    "openai": '{"admin_api_key": "sk-admin-...", "base_url"?}',
    "anthropic": '{"admin_api_key": "sk-ant-admin01-...", "base_url"?}',
    "azure_openai": '{"tenant_id", "client_id", "client_secret", "subscription_id", "resource_group", '
    '"account_name", "cost_scope"?, "arm_base_url"?, "login_base_url"?, "access_token"?, "retail_prices_base_url"?}',
    "aws_bedrock": '{"aws_access_key_id", "aws_secret_access_key", "aws_session_token"?, "region"?, '
    '"cloudwatch_endpoint_url"?, "ce_endpoint_url"?, "bedrock_endpoint_url"?, "logs_endpoint_url"?, '
    '"invocation_log_group"?}',
    "vertex_ai": '{"project_id", "billing_export_table"?, "service_account_info"?, "access_token"?, '
    '"monitoring_base_url"?, "bigquery_api_endpoint"?, "aiplatform_base_url"?}',
    "gemini": '{"project_id", "billing_export_table"?, "service_account_info"?, "access_token"?, '
    '"monitoring_base_url"?, "bigquery_api_endpoint"?, "aiplatform_base_url"?}',
}
_SET_HELP = (
    "Store a provider credential JSON for an organization, read from --from-file or stdin. It is checked "
    "before it is stored (a missing, unknown or malformed field is named; no value is ever printed).\n\n"
    "Each secret is one JSON object ('?' = optional):\n\n"
    + "\n\n".join(f"{provider}: {shape}" for provider, shape in SECRET_FORMATS.items())
    + "\n\nvertex_ai / gemini use the function's own identity; service_account_info (a key file's JSON) "
    "only where your organization still allows keys. The *_url / *_endpoint* keys and access_token are "
    "for the local simulator and tests."
)


@secrets_app.command(
    "set", help=_SET_HELP, epilog="Example: genai-costs secrets set acme openai --from-file openai.json"
)
def secrets_set(
    org_slug: str,
    provider: str,
    from_file: typer.FileText | None = typer.Option(None, help="JSON file; default: stdin"),
) -> None:
    try:
        validate_org_slug(org_slug)
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}")
        raw = (from_file or sys.stdin).read()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:  # position only: the message never quotes the input
            raise ValueError(f"not a JSON document ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
        try:
            validate_credentials(provider, data, secret_name=secret_id(org_slug, provider))
        except GenAICostsError as exc:  # a malformed secret is the user's input: a usage error
            raise CliError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, ExitCode.USAGE) from None
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


class RunWarehouse(StrEnum):
    embedded = "embedded"
    bigquery = "bigquery"


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Settings for this command only: the entry points it drives read them from the environment."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


def _reconciliation(org_slug: str, window: Window) -> None:
    with open_warehouse(get_settings()) as wh:
        print_reconciliation(console, load_reconciliation(wh, org_slug, window))


@reconcile_app.command(
    "summary", epilog="Examples: genai-costs reconcile summary demo   |   genai-costs reconcile summary acme --days 7"
)
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


@reconcile_app.command("import", epilog="Example: genai-costs reconcile import acme openai-costs.csv --provider openai")
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


def _estimate(
    org_slug: str,
    task: str,
    days: int,
    complexity: str | None,
    min_samples: int,
    *,
    as_of: dt.date | None = None,
    record: bool = True,
    show: bool = True,
) -> None:
    """Estimate from the ``days`` before ``as_of`` (default: through today, a live estimate), record it so
    the calls that follow can be compared with it, and print the calibration of all recorded estimates."""
    from genai_costs.reconciliation.estimate import estimate, record_estimate

    now = dt.datetime.now(dt.UTC)
    end = as_of or now.date() + dt.timedelta(days=1)
    with open_warehouse(get_settings()) as wh:
        est = estimate(
            wh,
            dataset_for(org_slug),
            task=task,
            start=end - dt.timedelta(days=days),
            end=end,
            complexity=complexity,  # type: ignore[arg-type]
            min_samples=min_samples,
        )
        recorded = None
        if record:
            recorded = record_estimate(wh, dataset_for(org_slug), est, org_slug=org_slug, estimated_at=now)
        calibration = load_calibration(wh, org_slug)
    if show:
        print_estimate(console, est)
    if recorded is not None:
        what = "Back-test estimate" if as_of else "Estimate"
        console.print(
            f"{what} recorded ({recorded.estimate_id}): its actuals are the {task!r} calls of the recommended model "
            f"from {recorded.actuals_from:%Y-%m-%d %H:%M} to {recorded.actuals_until:%Y-%m-%d %H:%M} UTC"
        )
    print_calibration(console, calibration)


def _recommendations(org_slug: str) -> None:
    with open_warehouse(get_settings()) as wh:
        print_recommendations(console, load_recommendations(wh, org_slug))


@app.command("recommend", epilog="Example: genai-costs recommend demo")
def recommend_cmd(org_slug: str) -> None:
    """Savings recommendations with dollars per month and their evidence window."""
    try:
        validate_org_slug(org_slug)
        _recommendations(org_slug)
    except GenAICostsError as exc:
        _fail(exc)


@app.command(
    "estimate",
    epilog="Examples: genai-costs estimate demo --task hints   |   "
    "genai-costs estimate acme --task grading --complexity complex   |   "
    "genai-costs estimate demo --task hints --as-of 2026-01-20",
)
def estimate_cmd(
    org_slug: str,
    task: str = typer.Option(..., help="Feature, service or workflow the calls belong to"),
    complexity: str | None = typer.Option(None, help="trivial, simple, medium, complex or very_complex (defaults)"),
    days: int = typer.Option(30, min=1, max=90, help="Days of history"),
    min_samples: int = typer.Option(20, min=1, help="Calls a model needs for a history-based estimate"),
    as_of: str | None = typer.Option(
        None, help="Back-test: estimate from the history before this day (YYYY-MM-DD); its actuals are the calls since"
    ),
    record: bool = typer.Option(True, help="Record the estimate (genai_cost_estimates) for calibration"),
) -> None:
    """Per-call cost estimate per model from the organization's own events, with a recommended model.
    Recorded, so the calls that follow can be compared with it: prints how often they cost at most p90."""
    try:
        validate_org_slug(org_slug)
        if complexity is not None and complexity not in ("trivial", "simple", "medium", "complex", "very_complex"):
            raise ValueError("complexity must be trivial, simple, medium, complex or very_complex")
        day = None if as_of is None else dt.date.fromisoformat(as_of)
        if day is not None and day > dt.datetime.now(dt.UTC).date():
            raise ValueError("--as-of must not be in the future")
        _estimate(org_slug, task, days, complexity, min_samples, as_of=day, record=record)
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)


@app.command(
    "run",
    epilog="Examples: genai-costs run   |   genai-costs run --org-slug acme --days 7 --seed 1   |   "
    "genai-costs run --warehouse bigquery",
)
def run_cmd(
    org_slug: str = typer.Option("demo", help="Organization to run for"),
    days: int = typer.Option(30, min=1, max=400, help="Days of history to ingest"),
    seed: int = typer.Option(42, help="Simulator seed (same seed, same data)"),
    warehouse: RunWarehouse = typer.Option(
        RunWarehouse.embedded,
        help="embedded (DuckDB), or bigquery: the BigQuery API of GENAI_COSTS_GCP_PROJECT at "
        "GENAI_COSTS_BIGQUERY_API_ENDPOINT (Google's, or an emulator with GENAI_COSTS_BIGQUERY_CREDENTIALS=anonymous)",
    ),
) -> None:
    """The main job against the local provider simulator: simulator -> ingestion -> consolidation -> report.

    The functions run in this process through the in-process bus. The simulator's credentials live in
    a sealed store of their own ({data_dir}/simulator): credentials stored with `secrets set` are never
    read or overwritten."""
    from .local.demo_budgets import channel_secret_ids
    from .local.pipeline import run_local_pipeline

    # Operational alerts (unpriced usage, a failed run) go to the simulator's Slack fake.
    slack = {"kind": "slack", "secret_id": channel_secret_ids(validate_org_slug(org_slug))["slack"]}
    seams = {
        "GENAI_COSTS_WAREHOUSE": warehouse.value,
        "GENAI_COSTS_PROVIDERS": "simulator",
        "GENAI_COSTS_MESSAGING": "inprocess",
        # The terminal shows progress and tables; the JSON log lines the functions write in the
        # cloud are only worth seeing here when something goes wrong.
        "GENAI_COSTS_LOG_LEVEL": os.environ.get("GENAI_COSTS_LOG_LEVEL", "WARNING"),
        "GENAI_COSTS_ALERT_CHANNELS": os.environ.get("GENAI_COSTS_ALERT_CHANNELS", json.dumps([slack])),
    }
    with _environment(seams):
        try:
            settings = get_settings()
        except ValueError as exc:  # pydantic's ValidationError: e.g. bigquery without a project
            problems = [e["msg"] for e in exc.errors()] if isinstance(exc, PydanticValidationError) else [str(exc)]
            raise CliError(f"settings: {'; '.join(problems)}", ExitCode.USAGE) from None
        if settings.org_slug and settings.org_slug != org_slug:
            pinned = settings.org_slug
            raise CliError(f"GENAI_COSTS_ORG_SLUG pins this environment to {pinned}; run for it", ExitCode.USAGE)
        try:
            result = run_local_pipeline(validate_org_slug(org_slug), days=days, seed=seed, console=console)
        except GenAICostsError as exc:
            _fail(exc)
        _print_runs(result.onboarding, result.runs)
        print_usage_events(result)
        print_attribution(result)
        print_catalog(org_slug)
        # A back-test estimate of the tutor's hint calls as of 3 days before the end of the demo's events
        # (they cover its last 7 days): the calls of those 3 days are its actuals, so the report and the
        # end of the run show a calibration figure from the simulator's data.
        _estimate(org_slug, "hints", 30, "medium", 20, as_of=result.window.end - dt.timedelta(days=3), show=False)
        report = _report(org_slug, ReportFilter(result.window), simulated=True)
        print_report(console, report)
        html = write_html(report, Path(settings.data_dir) / "reports" / f"{org_slug}.html")
        console.print(f"HTML report: {html}")
        # Through today: the buckets still inside the sources' lag windows show as pending.
        _reconciliation(org_slug, Window(start=result.window.start, end=result.window.end + dt.timedelta(days=1)))
        _estimate(org_slug, "hints", 30, "medium", 20)  # the tutor's hint calls, recorded
        _recommendations(org_slug)
        if result.budgets:
            print_budgets_demo(result.budgets)
    failed = [r for r in result.runs if r["status"] in ("failed", "rejected")]
    if failed or result.dead_letters:
        raise CliError(f"{len(failed)} run(s) failed, {result.dead_letters} message(s) dead-lettered")


def _print_runs(onboarding: OnboardResult, runs: list[dict[str, Any]]) -> None:
    print_onboarding(onboarding)
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
    for r in runs:
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


def print_budgets_demo(demo: BudgetsDemo) -> None:
    if demo.created:
        console.print(f"created demo budgets: {', '.join(demo.created)}")
    if demo.first_pass:
        title = "What the simulator's channel fakes received (first evaluation)"
        table = Table("#", "channel", "to", "what", title=title)
        for i, r in enumerate(demo.first_pass, 1):
            table.add_row(str(i), r.channel, escape(r.to), escape(r.summary[:100]))
        console.print(table)
    else:
        console.print("the channel fakes received nothing: every crossing was sent before (see Alerts above)")
    again = len(demo.second_pass)
    console.print(
        f"second evaluation right after: {again} new message(s)"
        + (" (the alert ledger sends each crossing once)" if not again else "")
    )


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


ATTRIBUTION_ROWS = 15  # per dimension on the console; the report query has every row


def print_attribution(result: LocalRun) -> None:
    """The bill by tenant, user, service and workflow (with the unallocated remainder), and the capture rate."""
    for dimension in ("tenant", "user", "service", "workflow"):
        table = Table(
            dimension, "requests", "cost (USD)",
            title=f"Cost by {dimension} (genai_cost_allocation: the bill split by the events' estimates)",
        )  # fmt: skip
        rows = [r for r in result.attribution if r["dimension"] == dimension]
        for r in rows[:ATTRIBUTION_ROWS]:
            table.add_row(r["value"], _count(r["requests"]), f"{r['cost_usd']:,.2f}")
        if len(rows) > ATTRIBUTION_ROWS:
            rest = sum((r["cost_usd"] for r in rows[ATTRIBUTION_ROWS:]), Decimal(0))
            table.add_row(f"({len(rows) - ATTRIBUTION_ROWS:,} more)", "", f"{rest:,.2f}")
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
