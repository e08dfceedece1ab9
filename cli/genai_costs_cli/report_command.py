"""The ``report`` command's options and outputs: the window and filters it accepts, and the
report as terminal tables, one table as CSV, or the whole report as JSON."""

from __future__ import annotations

import datetime as dt
import enum
import sys

import typer
from rich.console import Console

from genai_costs.model.window import Window
from genai_costs.providers.ids import PROVIDERS

from .errors import CliError, ExitCode
from .output import to_csv, to_json
from .reporting import EXPORTS, Report, ReportFilter, print_report

MAX_DAYS = 400


class ReportFormat(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ReportOptions:
    """Typer option declarations, kept here so app.py stays a list of commands."""

    start = typer.Option("--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD), included")
    end = typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (YYYY-MM-DD), included; default yesterday")
    days = typer.Option("--days", min=1, max=MAX_DAYS, help="Days up to --to when --from is not given")
    provider = typer.Option("--provider", help=f"Only this provider: {', '.join(PROVIDERS)}")
    tenant = typer.Option("--tenant", help="Only this tenant (usage events; cost data names no tenant)")
    output_format = typer.Option(
        "--format", case_sensitive=False, help="table (terminal), csv (one table) or json (all)"
    )
    section = typer.Option(
        "--section", help=f"The table to print with --format csv: {', '.join(EXPORTS)}", show_default=False
    )
    html = typer.Option("--html", help="Also write the HTML report (self-contained) to this path")

    @staticmethod
    def to_filter(
        start: dt.datetime | None,
        end: dt.datetime | None,
        days: int,
        provider: str | None,
        tenant: str | None,
        today: dt.date,
    ) -> ReportFilter:
        last = end.date() if end else today - dt.timedelta(days=1)
        first = start.date() if start else last - dt.timedelta(days=days - 1)
        if first > last:
            raise CliError(f"--from {first} is after --to {last}", ExitCode.USAGE)
        if (last - first).days + 1 > MAX_DAYS:
            raise CliError(f"the window is {(last - first).days + 1} days; at most {MAX_DAYS}", ExitCode.USAGE)
        if provider is not None and provider not in PROVIDERS:
            raise CliError(f"unknown provider {provider!r}: use one of {', '.join(PROVIDERS)}", ExitCode.USAGE)
        if tenant is not None and not (0 < len(tenant) <= 200 and tenant.isprintable()):
            raise CliError("--tenant must be 1-200 printable characters", ExitCode.USAGE)
        return ReportFilter(Window(start=first, end=last + dt.timedelta(days=1)), provider, tenant)

    @staticmethod
    def check_section(output_format: ReportFormat, section: str | None) -> None:
        if section is not None and section not in EXPORTS:
            raise CliError(f"unknown section {section!r}: use one of {', '.join(EXPORTS)}", ExitCode.USAGE)
        if output_format is ReportFormat.csv and section is None:
            raise CliError(
                f"CSV holds one table: add --section (one of {', '.join(EXPORTS)}), or use --format json for all",
                ExitCode.USAGE,
            )


def emit_report(console: Console, report: Report, output_format: ReportFormat, section: str | None) -> None:
    if output_format is ReportFormat.table:
        print_report(console, report)
    elif output_format is ReportFormat.csv:
        assert section is not None  # check_section
        sys.stdout.write(to_csv(report.sections.get(section, []), EXPORTS[section]))
    else:
        document = report.export()
        if section is not None:
            document["tables"] = {section: document["tables"][section]}
        sys.stdout.write(to_json(document) + "\n")
