"""``genai-costs``: onboard, manage secrets, run the pipeline and report, on either backend."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import GenAICostsError
from .onboarding import OnboardRequest, OnboardResult, onboard
from .orgs import dataset_for, validate_org_slug
from .paths import sql_root
from .providers.ids import PROVIDERS, secret_id
from .secrets import open_secret_store
from .warehouse import open_warehouse
from .warehouse.sqlfiles import load_statement

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
secrets_app = typer.Typer(no_args_is_help=True, help="Provider credentials (values are never printed).")
app.add_typer(secrets_app, name="secrets")
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


def _usd(value) -> str:
    return "-" if value is None else f"{value.normalize():f}"


def print_catalog(org_slug: str) -> None:
    with open_warehouse() as wh:
        rows = wh.query(dataset_for(org_slug), load_statement(sql_root(), "catalog_listing"))
    table = Table(title=f"Price catalog of {org_slug} (USD per 1M tokens)")
    for col in ("provider", "model", "region/tier", "input", "output", "cached input", "valid from", "until", "custom"):
        table.add_column(col)
    for r in rows:
        where = "/".join(x for x in (r["region"], r["service_tier"]) if x) or "-"
        table.add_row(r["provider"], r["model_id"], where, _usd(r["input_per_1m_usd"]), _usd(r["output_per_1m_usd"]),
                      _usd(r["cached_input_per_1m_usd"]), str(r["effective_date"]), str(r["end_date"] or ""),
                      "yes" if r["is_custom"] else "")
    console.print(table)


@app.command("onboard")
def onboard_cmd(org_slug: str, reset_seed: bool = typer.Option(False, help="Reload non-custom catalog rows")) -> None:
    """Create (or complete) an organization's dataset and seed its catalog."""
    try:
        request = OnboardRequest(org_slug=org_slug, reset_seed=reset_seed)
        with open_warehouse() as wh:
            print_onboarding(onboard(wh, request))
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)


@secrets_app.command("set")
def secrets_set(org_slug: str, provider: str,
                from_file: Optional[typer.FileText] = typer.Option(None, help="JSON file; default: stdin")) -> None:
    """Store a provider credential JSON for an organization (read from a file or stdin)."""
    try:
        validate_org_slug(org_slug)
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}")
        raw = (from_file or sys.stdin).read()
        json.loads(raw)  # must be a JSON document; the provider client validates its fields
        version = open_secret_store().put(secret_id(org_slug, provider), raw.strip())
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)
    console.print(f"stored {secret_id(org_slug, provider)} version {version}")


@secrets_app.command("list")
def secrets_list(org_slug: Optional[str] = typer.Argument(None)) -> None:
    """List secret ids and version counts (never values)."""
    prefix = f"genai-{validate_org_slug(org_slug)}-" if org_slug else "genai-"
    table = Table("secret", "versions", "updated")
    for info in open_secret_store().list(prefix):
        table.add_row(info.secret_id, str(info.versions), str(info.updated_at or ""))
    console.print(table)


@app.command("report")
def report_cmd(org_slug: str) -> None:
    """Print an organization's catalog and costs."""
    try:
        print_catalog(validate_org_slug(org_slug))
    except GenAICostsError as exc:
        _fail(exc)


@app.command("run")
def run_cmd(org_slug: str = typer.Option("demo", help="Organization to run for")) -> None:
    """Run the pipeline so far for one organization on the configured backend."""
    onboard_cmd(org_slug, reset_seed=False)
    print_catalog(org_slug)


def main() -> None:  # pragma: no cover
    app()
