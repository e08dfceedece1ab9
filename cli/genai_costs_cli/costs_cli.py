"""``genai-costs costs``: the cost report of GET /costs (genai_costs.costs.report, one implementation),
as a table or as the route's JSON."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.table import Table

from genai_costs.costs.api import describe
from genai_costs.costs.query import GROUP_BY_VALUES, CostQuery
from genai_costs.costs.report import CostReport, cost_report
from genai_costs.errors import ValidationError
from genai_costs.orgs import validate_org_slug
from genai_costs.settings import get_settings

from .errors import as_cli_error
from .org_data import existing_org_warehouse
from .output import make_console

console = make_console()


class CostsFormat(StrEnum):
    table = "table"
    json = "json"


def _usd(value: Decimal | None) -> str:
    return "-" if value is None else f"${value:,.4f}"


def print_cost_report(report: CostReport) -> None:
    filters = ", ".join(f"{k}={v}" for k, v in report.filters.items()) or "no filter"
    console.print(
        f"[bold]{report.org_slug}[/bold]: usage events {report.start_date} .. {report.end_date} ({filters})\n"
        f"requests {report.total_requests:,} (priced {report.priced_requests:,}, committed "
        f"{report.committed_requests:,}, unpriced {report.unpriced_requests:,} with {report.unpriced_tokens:,} "
        f"tokens, not in the cost)\n"
        f"total cost {_usd(report.total_cost_usd)}   average daily {_usd(report.average_daily_cost)}   "
        f"projected monthly {_usd(report.projected_monthly_cost)} ({report.projection})"
    )
    if report.groups is not None:
        table = Table(report.group_by or "", "requests", "unpriced", "input tokens", "output tokens", "cost")
        rows: list[Any] = [(g.value or "(not set)", g) for g in report.groups]
        table.title = f"Cost by {report.group_by}"
    else:
        table = Table("day", "requests", "unpriced", "input tokens", "output tokens", "cost")
        rows = [(d.date.isoformat(), d) for d in report.days]
        table.title = "Cost per day (days with calls)"
    for label, r in rows:
        table.add_row(
            label,
            f"{r.requests:,}",
            f"{r.unpriced_requests:,}",
            f"{r.input_tokens:,}",
            f"{r.output_tokens:,}",
            _usd(r.cost_usd),
        )
    console.print(table)


def costs_cmd(
    org_slug: str,
    period_days: int | None = typer.Option(None, help="The last N days, today included (default 30)"),
    start_date: str | None = typer.Option(None, help="First day, YYYY-MM-DD (with --end-date; both included)"),
    end_date: str | None = typer.Option(None, help="Last day, YYYY-MM-DD (included)"),
    workflow_id: str | None = typer.Option(None, help="Only this workflow's calls"),
    tenant_id: str | None = typer.Option(None, help="Only this tenant's calls"),
    user_id: str | None = typer.Option(None, help="Only this user's (learner's) calls"),
    service: str | None = typer.Option(None, help="Only this service's calls"),
    provider: str | None = typer.Option(None, help="Only this provider's calls"),
    model: str | None = typer.Option(None, help="Only this model's calls"),
    group_by: str | None = typer.Option(None, help=f"One of {', '.join(GROUP_BY_VALUES)}"),
    output: Annotated[
        CostsFormat, typer.Option("--format", help="table, or json (the GET /costs data)")
    ] = CostsFormat.table,
) -> None:
    """Cost of the organization's usage events over a period: total requests and cost, average daily
    cost, daily breakdown, projected monthly cost (average daily x 30); filters and groups as GET /costs."""
    given = {
        "period_days": period_days,
        "start_date": start_date,
        "end_date": end_date,
        "workflow_id": workflow_id,
        "tenant_id": tenant_id,
        "user_id": user_id,
        "service": service,
        "provider": provider,
        "model": model,
        "group_by": group_by,
    }
    try:
        validate_org_slug(org_slug)
        try:
            query = CostQuery.model_validate({k: v for k, v in given.items() if v is not None})
        except PydanticValidationError as exc:
            raise ValidationError(describe(exc).replace("_", "-")) from None
        with existing_org_warehouse(get_settings(), org_slug) as wh:
            report = cost_report(wh, org_slug, query, today=dt.datetime.now(dt.UTC).date())
    except Exception as exc:
        raise as_cli_error(exc) from None
    if output is CostsFormat.json:
        typer.echo(json.dumps({"success": True, "data": report.model_dump(mode="json")}, indent=2))
    else:
        print_cost_report(report)
