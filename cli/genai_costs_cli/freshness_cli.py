"""``genai-costs freshness ORG``: each source's freshness and completeness (the view
genai_source_freshness), and with ``--alert-targets`` the operational alerts for the sources that
are late, silent or failing, delivered through the alerting path."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer
from pydantic import TypeAdapter
from rich.console import Console
from rich.table import Table

from genai_costs.alerting import ChannelTarget, Delivery, build_sender, new_http_client
from genai_costs.errors import GenAICostsError
from genai_costs.freshness import SourceFreshness, operational_alerts, raise_alerts, read_freshness
from genai_costs.pipeline_endpoints import pinned_to
from genai_costs.secrets import open_secret_store
from genai_costs.settings import Settings, get_settings
from genai_costs.warehouse import open_warehouse

console = Console(width=160) if not sys.stdout.isatty() else Console()
_TARGETS = TypeAdapter(list[ChannelTarget])
_STATE_STYLE = {"fresh": "green", "late": "yellow", "silent": "red", "failing": "bold red"}


def freshness_cmd(
    org_slug: str,
    as_json: bool = typer.Option(False, "--json"),
    alert_targets: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="JSON list of alert channel targets (slack, email, sms, webhook, pubsub; secrets by id): "
        "alert the sources that are late, silent or failing",
    ),
) -> None:
    """Freshness and completeness per source: the last day known complete by the source's own lag
    rule, the last successful run, rows against the weekday norm, and a state."""
    settings = get_settings()
    try:
        pinned_to(settings.org_slug)(org_slug)
        targets = _TARGETS.validate_json(alert_targets.read_bytes()) if alert_targets else []
        with open_warehouse(settings) as warehouse:
            sources = read_freshness(warehouse, org_slug)
        deliveries = _alert(settings, org_slug, sources, targets) if targets else []
    except (GenAICostsError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        console.print_json(json.dumps([s.model_dump(mode="json") for s in sources]))
    else:
        print_freshness(console, sources, title=f"Freshness of {org_slug}'s sources (UTC)")
    for d in deliveries:
        console.print(
            f"alert {d.alert_id} via {d.channel_key}: {d.status.value}" + (f" ({d.last_error})" if d.last_error else "")
        )
    if any(s.state != "fresh" for s in sources):
        raise typer.Exit(1)  # scripts and monitors can act on the exit status


def print_freshness(out: Console, sources: list[SourceFreshness], *, title: str) -> None:
    table = Table(
        "source",
        "state",
        "complete through",
        "expected",
        "behind",
        "last success",
        "rows (day / norm)",
        "why",
        title=title,
    )
    for s in sources:
        norm = "-" if s.rows_norm is None else f"{s.rows_norm:g}"
        table.add_row(
            s.source_id,
            f"[{_STATE_STYLE[s.state]}]{s.state}[/]",
            str(s.complete_through or "-"),
            str(s.expected_through),
            "" if s.days_behind is None else str(s.days_behind),
            s.last_success_at.strftime("%Y-%m-%d %H:%M") if s.last_success_at else "never",
            f"{s.rows_expected_day:,} / {norm}",
            s.state_reason + (f"; running since {s.running_since:%H:%M}" if s.running_since else ""),
        )
    if not sources:
        out.print("No source has run or has rows yet.")
        return
    out.print(table)


def _alert(
    settings: Settings, org_slug: str, sources: list[SourceFreshness], targets: list[ChannelTarget]
) -> list[Delivery]:
    """One evaluation's alerts; each is sent once per call (the alert ledger, where it runs, keeps
    them once per episode across calls: the ids are its operational keys)."""
    from .ops import _publisher

    alerts = list(operational_alerts(org_slug, sources, evaluated_at=dt.datetime.now(dt.UTC)))
    if not alerts:
        return []
    secrets = open_secret_store(settings)
    with new_http_client() as http, _publisher(settings, org_slug) as (publisher, _, _sync):
        return raise_alerts(
            alerts,
            targets,
            lambda t: build_sender(t, secrets=secrets, http=http, publisher=publisher),
            already_raised=set(),
        )
