"""The main job on the embedded default, end to end, through the same entry points the cloud
runs: a provider simulator serves the providers' APIs, credentials go into the sealed local
store, Pub/Sub-shaped CloudEvents go through the in-process bus to functions/*/main.py."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import Progress

from genai_costs.model.provider_catalog import PROVIDERS as CATALOG_PROVIDERS
from genai_costs.model.window import Window
from genai_costs.onboarding import OnboardRequest, OnboardResult, onboard
from genai_costs.orgs import dataset_for
from genai_costs.paths import sql_root
from genai_costs.providers.ids import COMMITMENT_TYPES, PROVIDERS, secret_id
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.sqlfiles import read_single_statement

from .demo_budgets import BUDGETS_TOPIC, Received, channel_messages, ensure_demo_budgets, store_channel_secrets
from .entry_points import FUNCTIONS_DIR, TOPICS, load_entry_point
from .inprocess import InProcessBus
from .simulator_credentials import configure_simulated_commitments, simulator_credentials
from .usage_traffic import TrafficSent, send_application_traffic, simulator_deliveries


@dataclass
class LocalRun:
    onboarding: OnboardResult
    window: Window
    runs: list[dict[str, Any]]
    dead_letters: int
    traffic: TrafficSent
    usage_events: list[dict[str, Any]]  # sql/reports/usage_events_summary.sql after consolidation
    attribution: list[dict[str, Any]]  # sql/reports/cost_attribution.sql
    capture: list[dict[str, Any]]  # sql/reports/capture_rate.sql
    budgets: BudgetsDemo | None = None


@dataclass
class BudgetsDemo:
    created: list[str]
    first_pass: list[Received]  # what the fakes received from the first evaluation
    second_pass: list[Received]  # from a second evaluation right after (the ledger sends nothing again)


def run_local_pipeline(
    org_slug: str, *, days: int = 30, seed: int = 42, today: dt.date | None = None, console: Console | None = None
) -> LocalRun:
    from provider_sim.config import SimConfig
    from provider_sim.server import serve

    settings = get_settings()
    console = console or Console()
    today = today or dt.datetime.now(dt.UTC).date()
    window = Window(start=today - dt.timedelta(days=days), end=today)
    started = dt.datetime.now(dt.UTC)
    config = SimConfig(seed=seed, org=org_slug, start=window.start, end=window.end)
    base_url, stop = serve(config)
    console.print(f"provider simulator on {base_url} (seed {seed}, {window.start} .. {window.end})")
    try:
        store = open_secret_store(settings)
        for provider, creds in simulator_credentials(base_url, org_slug, seed).items():
            store.put(secret_id(org_slug, provider), json.dumps(creds))
        with open_warehouse(settings) as warehouse:
            onboarding = onboard(warehouse, OnboardRequest(org_slug=org_slug))
            configure_simulated_commitments(warehouse, org_slug, config)

        bus = InProcessBus(project="local")
        for topic, function in TOPICS.items():
            if (FUNCTIONS_DIR / function / "main.py").exists():
                bus.subscribe(topic, load_entry_point(function))
        window_body = {"org_slug": org_slug, "start_date": window.start.isoformat(), "end_date": window.end.isoformat()}
        # The catalog first, as the daily scheduler job does: rows both pinned sources agree on price the
        # window's models; the rest waits as proposals (genai-costs prices review). A step without a
        # topic is the applications' usage-event traffic.
        steps: list[tuple[str, str | None, dict[str, str]]] = [
            ("price catalog sync (genai-prices + LiteLLM, pinned)", "genai-prices", {"org_slug": org_slug})
        ]
        steps += [(f"pay-as-you-go {p} ({days} days)", "genai-payg", window_body | {"provider": p}) for p in PROVIDERS]
        # Per-request records where a provider keeps them (Bedrock model invocation logs, CloudWatch Logs).
        steps += [
            (
                f"invocation logs {p.id} (per request)",
                "genai-payg",
                window_body | {"provider": p.id, "source": "invocation_logs"},
            )
            for p in CATALOG_PROVIDERS
            if "invocations" in p.flows
        ]
        steps += [
            (f"commitment / infrastructure {c}", "genai-commitment", window_body | {"commitment_type": c})
            for c in COMMITMENT_TYPES
        ]
        steps.append(("usage events: the applications -> record_usage -> Pub/Sub -> raw", None, {}))
        steps.append(
            ("consolidating: events, usage -> costs -> FOCUS 1.3 -> attribution", "genai-consolidate", window_body)
        )
        traffic: TrafficSent | None = None
        # On a terminal a progress bar; piped (CI logs), where a bar shows nothing until the end, a
        # timestamped line per step as it starts.
        with Progress(console=console, transient=False, disable=not console.is_terminal) as progress:
            task = progress.add_task("ingesting", total=len(steps))
            for number, (description, target, message) in enumerate(steps, start=1):
                progress.update(task, description=description)
                if not console.is_terminal:
                    console.print(
                        f"{dt.datetime.now(dt.UTC):%H:%M:%S} [{number}/{len(steps)}] {description}", highlight=False
                    )
                if target is None:
                    with open_warehouse(settings) as warehouse:
                        traffic = send_application_traffic(
                            simulator_deliveries(base_url),
                            bus=bus,
                            warehouse=warehouse,
                            dataset=dataset_for(org_slug),
                            topic=settings.usage_events_topic,
                        )
                else:
                    bus.publish(target, message)
                progress.advance(task)
        budgets = _budgets_demo(bus, org_slug, window, base_url)
        with open_warehouse(settings) as warehouse:
            runs = warehouse.query(
                dataset_for(org_slug),
                read_single_statement(sql_root() / "reports" / "ingestion_runs.sql"),
                {"p_since": started},
            )
            events = warehouse.query(
                dataset_for(org_slug),
                read_single_statement(sql_root() / "reports" / "usage_events_summary.sql"),
                {"p_start_date": window.start, "p_end_date": window.end},
            )
            attribution, capture = (
                warehouse.query(
                    dataset_for(org_slug),
                    read_single_statement(sql_root() / "reports" / f"{name}.sql"),
                    {"p_start_date": window.start, "p_end_date": window.end},
                )
                for name in ("cost_attribution", "capture_rate")
            )
        assert traffic is not None  # the events step always runs
        return LocalRun(onboarding, window, runs, len(bus.dead_letters), traffic, events, attribution, capture, budgets)
    finally:
        stop()


def _budgets_demo(bus: InProcessBus, org_slug: str, window: Window, base_url: str) -> BudgetsDemo:
    """Demo budgets, then two evaluations through the evaluate_budgets entry point, as Cloud
    Scheduler would publish them five minutes apart."""
    settings = get_settings()
    targets = store_channel_secrets(open_secret_store(settings), org_slug, base_url)
    with open_warehouse(settings) as warehouse:
        created = ensure_demo_budgets(warehouse, org_slug, window, targets, now=dt.datetime.now(dt.UTC))
    bus.publish(BUDGETS_TOPIC, {"org_slug": org_slug})
    first = channel_messages(base_url)
    bus.publish(BUDGETS_TOPIC, {"org_slug": org_slug})
    return BudgetsDemo(created, first, channel_messages(base_url)[len(first) :])
