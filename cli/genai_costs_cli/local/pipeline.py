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

from genai_costs.model.window import Window
from genai_costs.onboarding import OnboardRequest, OnboardResult, onboard
from genai_costs.orgs import dataset_for
from genai_costs.paths import sql_root
from genai_costs.providers.ids import COMMITMENT_TYPES, PROVIDERS, secret_id
from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs.warehouse.sqlfiles import read_single_statement

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
        with Progress(console=console, transient=False) as progress:
            task = progress.add_task("ingesting", total=len(PROVIDERS) + len(COMMITMENT_TYPES) + 2)
            for provider in PROVIDERS:
                progress.update(task, description=f"pay-as-you-go {provider} ({days} days)")
                bus.publish("genai-payg", window_body | {"provider": provider})
                progress.advance(task)
            for commitment_type in COMMITMENT_TYPES:
                progress.update(task, description=f"commitment / infrastructure {commitment_type}")
                bus.publish("genai-commitment", window_body | {"commitment_type": commitment_type})
                progress.advance(task)
            progress.update(task, description="usage events: the applications -> record_usage -> Pub/Sub -> raw")
            with open_warehouse(settings) as warehouse:
                traffic = send_application_traffic(
                    simulator_deliveries(base_url),
                    bus=bus,
                    warehouse=warehouse,
                    dataset=dataset_for(org_slug),
                    topic=settings.usage_events_topic,
                )
            progress.advance(task)
            progress.update(task, description="consolidating: events, usage -> costs -> FOCUS 1.3")
            bus.publish("genai-consolidate", window_body)
            progress.advance(task)
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
        return LocalRun(onboarding, window, runs, len(bus.dead_letters), traffic, events)
    finally:
        stop()
