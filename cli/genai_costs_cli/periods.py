"""``genai-costs periods ...``: close and reopen billing periods (months). A closed month's costs are never
rewritten; a later price correction adds ChargeClass 'Correction' rows billed in the open month."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from genai_costs.errors import GenAICostsError
from genai_costs.periods import Period, PeriodRequest, PeriodStore, month_start
from genai_costs.pricing.sync import default_actor
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

periods_app = typer.Typer(
    no_args_is_help=True,
    help="Billing periods (months) the organization has closed: their costs stay as reported.",
    epilog="Examples: genai-costs periods close demo 2026-11 --reason 'invoice issued'   |   "
    "genai-costs periods list demo",
)
console = Console(width=160) if not sys.stdout.isatty() else Console()


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


def _show(periods: list[Period]) -> None:
    table = Table("month", "status", "closed at", "closed by", "reason", "reopened at", "reopened by")
    for p in periods:
        table.add_row(
            f"{p.billing_period_start:%Y-%m}",
            p.status,
            f"{p.closed_at:%Y-%m-%d %H:%M}",
            p.closed_by,
            p.close_reason or p.reopen_reason or "-",
            f"{p.reopened_at:%Y-%m-%d %H:%M}" if p.reopened_at else "-",
            p.reopened_by or "-",
        )
    console.print(table)


@periods_app.command(
    "close", epilog="Example: genai-costs periods close demo 2026-11 --reason 'invoice 2026-11 issued'"
)
def close_cmd(
    org_slug: str,
    month: str = typer.Argument(..., help="YYYY-MM"),
    reason: str | None = typer.Option(None, help="Kept with the period"),
    actor: str | None = typer.Option(None, help="Who closes it (default cli:<os user>)"),
) -> None:
    """Close a month: consolidation no longer rewrites it; price corrections become Correction rows."""
    try:
        request = PeriodRequest(
            org_slug=org_slug, month=month_start(month), actor=actor or default_actor(), reason=reason
        )
        with open_warehouse(get_settings()) as wh:
            period = PeriodStore(wh, org_slug).close(request)
    except GenAICostsError as exc:
        _fail(exc)
    _show([period])


@periods_app.command("reopen", epilog="Example: genai-costs periods reopen demo 2026-11 --reason 'late usage'")
def reopen_cmd(
    org_slug: str,
    month: str = typer.Argument(..., help="YYYY-MM"),
    reason: str | None = typer.Option(None, help="Kept with the period"),
    actor: str | None = typer.Option(None, help="Who reopens it (default cli:<os user>)"),
) -> None:
    """Reopen a month: the next consolidation of its days re-prices them in place (its corrections go)."""
    try:
        request = PeriodRequest(
            org_slug=org_slug, month=month_start(month), actor=actor or default_actor(), reason=reason
        )
        with open_warehouse(get_settings()) as wh:
            period = PeriodStore(wh, org_slug).reopen(request)
    except GenAICostsError as exc:
        _fail(exc)
    _show([period])
    start, end = period.billing_period_start, period.billing_period_end
    console.print(
        f"re-price it: genai-costs pipelines run {org_slug} consolidate --start-date {start} --end-date {end}"
    )


@periods_app.command("list", epilog="Example: genai-costs periods list demo")
def list_cmd(org_slug: str) -> None:
    """Every month closed or reopened, with who and when."""
    try:
        with open_warehouse(get_settings()) as wh:
            periods = PeriodStore(wh, org_slug).list()
    except GenAICostsError as exc:
        _fail(exc)
    _show(periods)
