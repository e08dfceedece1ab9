"""Operations commands: manual runs and backfills, the run ledger, the Cloud Scheduler jobs, and
``serve`` (the schedules and the pipeline endpoints on a laptop).

    genai-costs pipelines run ORG payg openai [--start-date D --end-date D] [--dry-run]
    genai-costs pipelines run ORG commitment azure_ptu | consolidate ...
    genai-costs pipelines runs ORG [--flow --provider --status --since --until --covers --trigger-id]
    genai-costs schedules list | run | pause | resume ORG [JOB ...] [--all]   (Cloud Scheduler API)
    genai-costs serve --org ORG [--port 8001]                                  (embedded)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from genai_costs.errors import ConfigurationError, GenAICostsError, ValidationError, WarehouseError
from genai_costs.messaging.base import Publisher
from genai_costs.model.schedules import (
    DEFAULT_PREFIX,
    DEFAULT_SCHEDULES,
    SCHEDULED_FLOWS,
    ScheduledFlow,
    ScheduledJob,
    scheduled_jobs,
    topic_name,
)
from genai_costs.pipeline_endpoints import pinned_to
from genai_costs.pipelines.backfill import requested_window
from genai_costs.pipelines.ledger_query import RunRow, RunsQuery, list_runs
from genai_costs.pipelines.trigger import RouteKind, RunAccepted, RunTarget, trigger_run
from genai_costs.providers.ids import COMMITMENT_TYPES, PROVIDERS, secret_id
from genai_costs.settings import Settings, get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.base import Warehouse

from .cloud_schedules import JobView, OrgSchedules, scheduler_client
from .local.queued_bus import QueuedBus

pipelines_app = typer.Typer(no_args_is_help=True, help="Manual runs, backfills and the run ledger.")
schedules_app = typer.Typer(
    no_args_is_help=True, help="The organization's Cloud Scheduler jobs (as Terraform created them)."
)
# Wide enough for the tables when output is not a terminal (logs, CI).
console = Console(width=160) if not sys.stdout.isatty() else Console()


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


# --- where messages go -------------------------------------------------------------------------


def cloud_topic_for(settings: Settings, org_slug: str) -> Callable[[ScheduledFlow], str]:
    def topic_for(flow: ScheduledFlow) -> str:
        if settings.resource_prefix:
            return f"{settings.resource_prefix}-{flow}"
        return topic_name(org_slug, flow)

    return topic_for


@contextmanager
def _publisher(settings: Settings, org_slug: str) -> Iterator[tuple[Publisher, Callable[[ScheduledFlow], str], bool]]:
    """(publisher, topic of a flow, whether delivery is synchronous)."""
    if settings.gcp_project:
        from genai_costs.messaging.pubsub import PubSubPublisher

        yield PubSubPublisher(settings.gcp_project), cloud_topic_for(settings, org_slug), False
        return
    from .local.entry_points import FLOW_TOPICS, subscribed_bus

    yield subscribed_bus(), FLOW_TOPICS.__getitem__, True


# --- pipelines ---------------------------------------------------------------------------------


@pipelines_app.command(
    "run",
    epilog="Examples: genai-costs pipelines run acme payg openai   |   "
    "genai-costs pipelines run acme payg openai --start-date 2026-01-01 --end-date 2026-03-31",
)
def pipelines_run(
    org_slug: str,
    flow: str = typer.Argument(..., help="payg, commitment or consolidate"),
    source: str | None = typer.Argument(None, help="provider (payg) or commitment type (commitment)"),
    start_date: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="first day (inclusive)"),
    end_date: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="day after the last (exclusive)"),
    dry_run: bool = typer.Option(False, help="show the windows, publish nothing"),
    as_json: bool = typer.Option(False, "--json", help="print the answer as JSON"),
) -> None:
    """Run a flow now, like its scheduled job; with dates, a backfill (one run per calendar month)."""
    settings = get_settings()
    try:
        if flow not in ("payg", "commitment", "consolidate"):
            raise ValidationError("flow must be payg, commitment or consolidate")
        kind: RouteKind = flow  # type: ignore[assignment]
        if kind == "consolidate" and source not in (None, "all"):
            raise ValidationError("consolidate takes no provider")
        pinned_to(settings.org_slug)(org_slug)
        target = RunTarget.from_route(org_slug, kind, source)
        window = requested_window(
            start_date.date() if start_date else None, end_date.date() if end_date else None, today=_today()
        )
        with _publisher(settings, org_slug) as (publisher, topic_for, synchronous):
            accepted = trigger_run(
                target,
                window,
                publisher=publisher,
                topic_for=topic_for,
                trailing_days=settings.trailing_days,
                dry_run=dry_run,
            )
        runs = _runs_of(settings, accepted) if synchronous and not dry_run else []
    except GenAICostsError as exc:
        _fail(exc)
    if as_json:
        console.print_json(
            json.dumps(accepted.model_dump(mode="json") | {"runs": [r.model_dump(mode="json") for r in runs]})
        )
        return
    _print_accepted(accepted)
    if runs:
        print_runs(runs, title="Runs these messages started (from the ledger)")
    if any(r.status == "failed" for r in runs):
        raise typer.Exit(1)


def _runs_of(settings: Settings, accepted: RunAccepted) -> list[RunRow]:
    ids = {m.message_id for m in accepted.messages}
    with open_warehouse(settings) as warehouse:
        rows = list_runs(warehouse, accepted.org_slug, RunsQuery(since=_today(), limit=1000), today=_today())
    return [r for r in rows if r.trigger_id in ids]


def _print_accepted(accepted: RunAccepted) -> None:
    what = f"{accepted.flow}/{accepted.source}" if accepted.source != "all" else accepted.flow
    if accepted.window.start_date:
        scope = f"{accepted.window.start_date} .. {accepted.window.end_date} (end exclusive)"
    else:
        scope = f"the trailing {accepted.trailing_days} days (as the scheduled job)"
    verb = "would publish" if accepted.dry_run else "published"
    console.print(
        f"{what} for {accepted.org_slug}: {scope}; {verb} {len(accepted.messages)} message(s) to {accepted.topic}"
    )
    table = Table("message id", "start", "end (excl.)")
    for m in accepted.messages:
        table.add_row(m.message_id or "-", str(m.start_date or "trailing"), str(m.end_date or ""))
    console.print(table)
    for key, text in accepted.follow.items():
        console.print(f"  {key}: {text}")


@pipelines_app.command("runs", epilog="Example: genai-costs pipelines runs acme --status failed --since 2026-11-01")
def pipelines_runs(
    org_slug: str,
    flow: str | None = typer.Option(None, help="payg, commitment, infrastructure or consolidate"),
    provider: str | None = typer.Option(None, help="provider, commitment type, or 'all' (consolidation)"),
    status: str | None = typer.Option(None, help="started, succeeded, failed or abandoned"),
    trigger_id: str | None = typer.Option(None, help="the message id a run was triggered by"),
    since: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="runs started on or after"),
    until: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="runs started before"),
    covers: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="runs whose window has this day"),
    limit: int = typer.Option(100, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The organization's runs from the ledger, newest first, each in its latest state."""
    settings = get_settings()
    try:
        pinned_to(settings.org_slug)(org_slug)
        query = RunsQuery.model_validate(
            {
                "flow": flow,
                "provider": provider,
                "status": status,
                "trigger_id": trigger_id,
                "since": since.date() if since else None,
                "until": until.date() if until else None,
                "covers": covers.date() if covers else None,
                "limit": limit,
            }
        )
        with open_warehouse(settings) as warehouse:
            rows = list_runs(warehouse, org_slug, query, today=_today())
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)
    if as_json:
        console.print_json(json.dumps([r.model_dump(mode="json") for r in rows]))
        return
    since_day, until_day = query.bounds(_today())
    print_runs(rows, title=f"Runs of {org_slug} started {since_day} .. {until_day} (excl.)")


def print_runs(rows: list[RunRow], *, title: str) -> None:
    table = Table("started (UTC)", "flow", "source", "window", "status", "rows", "s", "trigger", "error", title=title)
    for r in rows:
        rows_total = sum(x or 0 for x in (r.rows_usage, r.rows_costs))
        table.add_row(
            r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            r.flow,
            r.provider,
            f"{r.window_start} .. {r.window_end}",
            r.status,
            f"{rows_total:,}" if r.status == "succeeded" else "",
            f"{r.duration_ms / 1000:.1f}" if r.duration_ms is not None else "",
            (r.trigger_id or "")[:16],
            (r.error or "")[:60],
        )
    console.print(table)


# --- schedules (Cloud Scheduler API) -----------------------------------------------------------

ProjectOption = typer.Option(None, "--project", envvar="GENAI_COSTS_GCP_PROJECT", help="deployment project")
LocationOption = typer.Option("us-central1", "--location", envvar="GENAI_COSTS_REGION", help="Terraform's region")
PrefixOption = typer.Option(DEFAULT_PREFIX, "--prefix", help="Terraform's var.prefix")
EndpointOption = typer.Option(
    None, "--endpoint", envvar="GENAI_COSTS_CLOUD_SCHEDULER_ENDPOINT", hidden=True, help="local API host:port"
)


def _org_schedules(
    org_slug: str, project: str | None, location: str, prefix: str, endpoint: str | None
) -> OrgSchedules:
    if not project:
        raise ConfigurationError("name the deployment project: --project or GENAI_COSTS_GCP_PROJECT")
    return OrgSchedules(
        scheduler_client(endpoint), project=project, location=location, org_slug=org_slug, prefix=prefix
    )


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@schedules_app.command("list", epilog="Example: genai-costs schedules list acme --project my-project")
def schedules_list(
    org_slug: str,
    project: str | None = ProjectOption,
    location: str = LocationOption,
    prefix: str = PrefixOption,
    endpoint: str | None = EndpointOption,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Each job: target, cron, time zone, state, last attempt time and status, next run."""
    try:
        views = _org_schedules(org_slug, project, location, prefix, endpoint).jobs()
    except GenAICostsError as exc:
        _fail(exc)
    if as_json:
        console.print_json(json.dumps([_view_json(v) for v in views]))
        return
    table = Table(
        "job",
        "target",
        "cron (time zone)",
        "state",
        "last attempt (UTC)",
        "last status",
        "next (UTC)",
        title=f"Cloud Scheduler jobs of {org_slug} in projects/{project}/locations/{location}",
    )
    for v in views:
        state = v.state if v.state == "ENABLED" else f"[yellow]{v.state}[/yellow]"
        status = v.last_status if v.last_status in ("OK", "never ran") else f"[red]{v.last_status}[/red]"
        table.add_row(
            v.key,
            v.target.removeprefix("topic "),
            f"{v.cron} ({v.time_zone})",
            state,
            _when(v.last_attempt_at),
            status,
            _when(v.next_run_at),
        )
    console.print(table)
    if not views:
        console.print("no jobs found: check --project, --location (Terraform's region) and --prefix")


def _view_json(v: JobView) -> dict[str, Any]:
    return {
        "job": v.key,
        "name": v.name,
        "target": v.target,
        "message": v.message,
        "cron": v.cron,
        "time_zone": v.time_zone,
        "state": v.state,
        "last_attempt_at": v.last_attempt_at.isoformat() if v.last_attempt_at else None,
        "last_status": v.last_status,
        "next_run_at": v.next_run_at.isoformat() if v.next_run_at else None,
    }


@schedules_app.command("run", epilog="Example: genai-costs schedules run acme payg-openai")
def schedules_run(
    org_slug: str,
    jobs: list[str] = typer.Argument(..., help="job keys, job ids, providers or commitment types"),
    project: str | None = ProjectOption,
    location: str = LocationOption,
    prefix: str = PrefixOption,
    endpoint: str | None = EndpointOption,
) -> None:
    """Run jobs now (Cloud Scheduler dispatches them as on schedule)."""
    try:
        org = _org_schedules(org_slug, project, location, prefix, endpoint)
        for key in org.resolve(jobs):
            view = org.run(key)
            console.print(f"dispatched {view.name} -> {view.target} {json.dumps(view.message)}")
        console.print(
            f"follow: genai-costs pipelines runs {org_slug} (the ledger), genai-costs schedules list {org_slug}"
        )
    except GenAICostsError as exc:
        _fail(exc)


def _transition(verb: str, org_slug: str, jobs: list[str], every: bool, *args: Any) -> None:
    try:
        org = _org_schedules(org_slug, *args)
        for key in org.resolve(jobs, every=every):
            view, changed = org.pause(key) if verb == "pause" else org.resume(key)
            done = "paused" if verb == "pause" else "resumed"
            console.print(f"{view.name}: {done}" if changed else f"{view.name}: already {view.state.lower()}")
    except GenAICostsError as exc:
        _fail(exc)


@schedules_app.command("pause", epilog="Example: genai-costs schedules pause acme payg-openai")
def schedules_pause(
    org_slug: str,
    jobs: list[str] = typer.Argument(None, help="job keys, job ids, providers or commitment types"),
    every: bool = typer.Option(False, "--all", help="every job of the organization"),
    project: str | None = ProjectOption,
    location: str = LocationOption,
    prefix: str = PrefixOption,
    endpoint: str | None = EndpointOption,
) -> None:
    """Pause jobs (they stop firing until resumed)."""
    _transition("pause", org_slug, jobs or [], every, project, location, prefix, endpoint)


@schedules_app.command("resume", epilog="Example: genai-costs schedules resume acme --all")
def schedules_resume(
    org_slug: str,
    jobs: list[str] = typer.Argument(None, help="job keys, job ids, providers or commitment types"),
    every: bool = typer.Option(False, "--all", help="every job of the organization"),
    project: str | None = ProjectOption,
    location: str = LocationOption,
    prefix: str = PrefixOption,
    endpoint: str | None = EndpointOption,
) -> None:
    """Resume paused jobs."""
    _transition("resume", org_slug, jobs or [], every, project, location, prefix, endpoint)


# --- serve (embedded) --------------------------------------------------------------------------


def local_jobs(
    settings: Settings, org_slug: str, sources: list[str] | None, crons: dict[str, str]
) -> list[ScheduledJob]:
    """The org's jobs as Terraform would create them for the sources it has credentials for (or
    ``sources``), with the default schedules unless ``crons`` overrides a flow's."""
    from genai_costs.secrets import open_secret_store

    if sources is None:
        stored = {info.secret_id for info in open_secret_store(settings).list(f"genai-{org_slug}-")}
        providers = [p for p in PROVIDERS if secret_id(org_slug, p) in stored]
        from genai_costs.providers.commitments.registry import COMMITMENT_PROVIDERS

        commitments = [c for c in COMMITMENT_TYPES if COMMITMENT_PROVIDERS[c] in providers]
    else:
        unknown = sorted(set(sources) - set(PROVIDERS) - set(COMMITMENT_TYPES))
        if unknown:
            raise ValidationError(f"unknown sources {', '.join(unknown)}")
        providers = [p for p in PROVIDERS if p in sources]
        commitments = [c for c in COMMITMENT_TYPES if c in sources]
    jobs = scheduled_jobs(org_slug, providers=providers, commitment_types=commitments, schedules=DEFAULT_SCHEDULES)
    return [j.model_copy(update={"cron": crons.get(j.flow, j.cron)}) for j in jobs]


def _crons(values: list[str]) -> dict[str, str]:
    crons: dict[str, str] = {}
    for value in values:
        flow, _, expr = value.partition("=")
        if flow not in SCHEDULED_FLOWS or not expr.strip():
            raise ValidationError(f"--cron takes FLOW=EXPRESSION with FLOW one of {', '.join(SCHEDULED_FLOWS)}")
        crons[flow] = expr.strip()
    return crons


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    stop = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        console.print(f"{signal.Signals(signum).name}: stopping after the delivery in progress")
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def serve_cmd(
    orgs: list[str] = typer.Option(..., "--org", help="organization to keep current (repeatable)"),
    sources: list[str] = typer.Option(
        None, "--source", help="provider or commitment type (default: those with credentials)"
    ),
    cron: list[str] = typer.Option(
        None, "--cron", help="override a flow's schedule: FLOW=EXPR (6 fields: seconds last)"
    ),
    host: str = typer.Option("127.0.0.1", help="address of the pipeline endpoints"),
    port: int = typer.Option(8001, min=0, max=65535, help="port of the pipeline endpoints; 0 = no endpoints"),
) -> None:
    """Keep organizations current on a laptop: the scheduled jobs (Terraform's cron expressions and
    windows) on the in-process bus, and the pipeline endpoints, until Ctrl-C / SIGTERM."""
    from .local.entry_points import FLOW_TOPICS, subscribed_bus
    from .local.scheduler import Firing, LocalScheduler

    # The terminal shows the schedule and each firing; the functions' JSON log lines only when
    # something goes wrong (GENAI_COSTS_LOG_LEVEL=INFO shows them all).
    os.environ.setdefault("GENAI_COSTS_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    settings = get_settings()
    if settings.gcp_project:
        _fail(ConfigurationError("serve runs the embedded default; in the cloud, Cloud Scheduler runs the jobs"))
    try:
        crons = _crons(cron or [])
        pin = pinned_to(settings.org_slug)
        jobs = []
        for org in orgs:
            pin(org)
            jobs += local_jobs(settings, org, sources or None, crons)
        if not jobs:
            raise ValidationError("no jobs: store credentials with `genai-costs secrets set` or name --source")
        bus = QueuedBus(subscribed_bus())

        def announce(firing: Firing) -> None:
            when = firing.scheduled_for.strftime("%Y-%m-%d %H:%M:%S %Z")
            console.print(f"{when}  {firing.job.message['org_slug']} {firing.job.key} -> message {firing.message_id}")

        scheduler = LocalScheduler(
            jobs, bus, FLOW_TOPICS.__getitem__, time_zone=DEFAULT_SCHEDULES.time_zone, on_fire=announce
        )
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)
    table = Table(
        "org",
        "job",
        "cron",
        "next",
        title=f"Schedules ({DEFAULT_SCHEDULES.time_zone}); "
        f"each run re-pulls the trailing {settings.trailing_days} days",
    )
    for job, next_at in scheduler.upcoming():
        table.add_row(str(job.message["org_slug"]), job.key, job.cron, next_at.strftime("%Y-%m-%d %H:%M:%S"))
    console.print(table)
    server = _start_endpoints(settings, bus, host, port) if port else None
    with _stop_on_signals() as stop:
        scheduler.run(stop)
    if server is not None:
        server.shutdown()
    dropped = bus.close(timeout=None)
    summary = f"stopped: {len(scheduler.fired)} job(s) fired"
    if bus.coalesced:
        summary += f", {bus.coalesced} firing(s) joined a run still queued"
    if dropped:
        summary += f", {dropped} queued message(s) dropped"
    console.print(summary)


GATE_WAIT_SECONDS = 60


def _start_endpoints(settings: Settings, bus: QueuedBus, host: str, port: int) -> Any:
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    from genai_costs.pipeline_endpoints import PipelinesApi

    from .local.entry_points import FLOW_TOPICS

    @contextmanager
    def gated_warehouse() -> Iterator[Warehouse]:
        # One attachment of the DuckDB file per process: wait for the delivery in progress.
        with bus.reading(timeout=GATE_WAIT_SECONDS) as free:
            if not free:
                raise WarehouseError(f"the embedded warehouse is busy with a run for over {GATE_WAIT_SECONDS}s; retry")
            with open_warehouse(settings) as warehouse:
                yield warehouse

    api = PipelinesApi(
        publisher=lambda: bus,
        warehouse=gated_warehouse,
        topic_for=FLOW_TOPICS.__getitem__,
        trailing_days=settings.trailing_days,
        check_org=pinned_to(settings.org_slug),
    )

    @Request.application
    def app(request: Request) -> Response:
        answer = api.handle(request.method, request.path, request.get_data(cache=False), request.args.to_dict())
        return Response(json.dumps(answer.body), answer.status, answer.headers, mimetype="application/json")

    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="genai-costs-endpoints", daemon=True).start()
    console.print(f"pipeline endpoints on http://{host}:{server.port}/pipelines/ (POST run/..., GET runs/ORG)")
    return server
