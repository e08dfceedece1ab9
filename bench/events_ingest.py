"""Usage-events benchmark: requests -> record_usage -> in-process bus -> embedded BigQuery
subscription -> DuckDB, then the dedup consolidation (sp_genai_0), with peak memory.

    python -m bench.events_ingest                # 20k and 100k events in batches of 1,000; 20k in batches of 100
    python -m bench.events_ingest --quick        # 5k events (smoke run)
    python -m bench.events_ingest --events 50000 --batch 500

Every measured run is a fresh subprocess on its own copy of an onboarded DuckDB file, so its peak
RSS (VmHWM) is that run's alone. Request bodies (the three spellings of docs/usage-events.md in
turn: canonical, the user's names, OpenTelemetry attributes) are serialized before the clock
starts; each is POSTed through functions-framework's WSGI app to functions/record_usage/main.py,
the code the cloud runs. Two figures per size:

- **record_usage alone**: the function's own work (read, validate, normalize, answer, serialize
  the message), with a publisher that only counts the messages - what one instance does in the
  cloud, where the publish is a network call and the BigQuery subscription writes the rows;
- **into the warehouse**: the same requests with the in-process bus delivering every message to
  the embedded BigQuery subscription (schema check, one row per message) and DuckDB; 5 % of the
  batches are sent twice (a client retry) and the bus delivers every message twice (Pub/Sub's
  at least once), then ``sp_genai_0_consolidate_usage_events`` deduplicates - events kept must
  equal the unique events sent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._measure import emit, measure, run_child, snapshot_sql, table

ORG = "benchevents"
TOPIC = "genai-usage-events"
RESEND_SHARE = 0.05
MODELS = {
    "openai": ("gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "o4-mini-2025-04-16"),
    "anthropic": ("claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022"),
    "groq": ("llama-3.3-70b-versatile", "llama-3.1-8b-instant"),
}


def make_event(i: int, now: dt.datetime, rng: random.Random) -> dict[str, Any]:
    """Event ``i``: a call within the last 7 days, in one of the three spellings."""
    provider = rng.choice(sorted(MODELS))
    model = rng.choice(MODELS[provider])
    occurred = (now - dt.timedelta(seconds=rng.randint(60, 7 * 86_400))).isoformat()
    cached, uncached, output = rng.randint(0, 3000), rng.randint(50, 6000), rng.randint(10, 1500)
    tenant, learner = f"tenant-{rng.randint(1, 40)}", f"learner-{rng.randint(1, 5000)}"
    event_id = f"chatcmpl-bench{i:012d}"
    spelling = i % 3
    if spelling == 0:
        return {
            "event_id": event_id,
            "source": "tutor-api",
            "occurred_at": occurred,
            "provider": provider,
            "model": model,
            "api_key_id": f"key_{rng.randint(1, 9)}",
            "project_id": f"proj_{rng.randint(1, 4)}",
            "input_uncached_tokens": uncached,
            "input_cached_tokens": cached,
            "output_tokens": output,
            "latency_ms": rng.randint(200, 9000),
            "tenant_id": tenant,
            "user_id": learner,
            "service": "tutor-api",
            "workflow_id": f"session-{learner}-{occurred[:10]}",
            "feature": "hints",
            "environment": "prod",
            "tags": {"plan": "enterprise"},
        }
    if spelling == 1:
        return {
            "openai_request_id": event_id,
            "source": "grader",
            "timestamp": occurred,
            "provider": provider,
            "model_used": model,
            "prompt_tokens": uncached + cached,
            "cached_tokens": cached,
            "completion_tokens": output,
            "total_tokens": uncached + cached + output,
            "tenant": tenant,
            "learner_id": learner,
            "service_name": "grader",
            "workflow_id": f"grading-{tenant}-{occurred[:10]}",
            "cost": {"total_cost_usd": round(rng.random() / 100, 6)},
        }
    return {
        "gen_ai.response.id": event_id,
        "source": "content-pipeline",
        "occurred_at": occurred,
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
        "gen_ai.response.model": model,
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.input_tokens": uncached + cached,
        "gen_ai.usage.cache_read.input_tokens": cached,
        "gen_ai.usage.output_tokens": output,
        "tenant_id": tenant,
        "service.name": "content-pipeline",
        "workflow_id": f"course-build-{tenant}-{occurred[:10]}",
        "deployment.environment.name": "prod",
        "server.address": "api.openai.com",
    }


def request_bodies(events: int, batch: int, seed: int = 7) -> list[bytes]:
    rng, now = random.Random(seed), dt.datetime.now(dt.UTC)
    all_events = [make_event(i, now, rng) for i in range(events)]
    return [json.dumps({"events": all_events[i : i + batch]}).encode() for i in range(0, events, batch)]


# ---------------------------------------------------------------------------------------------
# steps (each in its own subprocess)
# ---------------------------------------------------------------------------------------------
def step_setup(db: Path) -> dict[str, Any]:
    from genai_costs.onboarding import OnboardRequest, onboard
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    with DuckDBWarehouse(db) as wh:
        onboard(wh, OnboardRequest(org_slug=ORG))
    return {}


def step_ingest(events: int, batch: int, db: Path, into_warehouse: bool) -> dict[str, Any]:
    from functions_framework import create_app

    from genai_costs.consolidation import EVENTS_PROCEDURES
    from genai_costs.messaging import embedded
    from genai_costs.messaging.base import Publisher
    from genai_costs.paths import sql_root
    from genai_costs.warehouse.base import Call
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse
    from genai_costs.warehouse.sqlfiles import load_procedures
    from genai_costs.warehouse.tables import load_table_specs
    from genai_costs_cli.local.bigquery_subscription import BigQuerySubscription
    from genai_costs_cli.local.inprocess import InProcessBus

    class Counting(Publisher):
        """Takes every message and keeps only its size (record_usage's own cost, no delivery)."""

        def __init__(self) -> None:
            self.messages = self.bytes = 0

        def publish(self, topic, payload, attributes=None):  # type: ignore[no-untyped-def]
            self.messages += 1
            self.bytes += len(payload) if isinstance(payload, bytes) else 0
            return str(self.messages)

    bodies = request_bodies(events, batch)
    resend = (
        set(random.Random(11).sample(range(len(bodies)), int(len(bodies) * RESEND_SHARE))) if into_warehouse else set()
    )
    wh = DuckDBWarehouse(db)
    dataset = f"{ORG}_prod"
    publisher: Publisher
    if into_warehouse:
        bus = InProcessBus(redeliveries=1)
        spec = load_table_specs(sql_root())["genai_usage_events_raw"]
        bus.subscribe(TOPIC, BigQuerySubscription(wh, dataset, spec, name=f"projects/local/subscriptions/{TOPIC}-bq"))
        publisher = bus
    else:
        publisher = Counting()
    client = create_app("record_usage", "functions/record_usage/main.py", "http").test_client()
    answers: dict[str, int] = {}

    def send() -> dict[str, Any]:
        with embedded.installed(publisher):
            for i, body in enumerate(bodies):
                for _ in range(2 if i in resend else 1):
                    response = client.post("/", data=body, content_type="application/json")
                    answers[str(response.status_code)] = answers.get(str(response.status_code), 0) + 1
        return {}

    res = measure(send)
    sent = events + sum(len(json.loads(bodies[i])["events"]) for i in resend)
    res.update(events=events, batch=batch, requests=sum(answers.values()), statuses=answers, events_sent=sent)
    res["events_per_s"] = events / res["seconds"]
    res["events_per_cpu_s"] = events / res["cpu_seconds"]
    if isinstance(publisher, Counting):
        res["message_mib"] = publisher.bytes / 2**20
    else:
        today = dt.datetime.now(dt.UTC).date()
        params = {
            "p_org_slug": ORG,
            "p_events_start_date": today - dt.timedelta(days=8),
            "p_end_date": today + dt.timedelta(days=1),
        }
        procedures = load_procedures(sql_root())
        consolidation = measure(
            lambda: wh.run_transaction(dataset, [Call(procedures[name]) for name in EVENTS_PROCEDURES], params) or {}
        )
        (copies,) = wh.connection.execute(f"SELECT sum(len(events)) FROM {dataset}.genai_usage_events_raw").fetchone()
        kept, unique = wh.connection.execute(
            f"SELECT count(*), count(DISTINCT (source, event_id)) FROM {dataset}.genai_usage_events"
        ).fetchone()
        res.update(
            raw_copies=int(copies),
            events_kept=kept,
            unique_kept=unique,
            consolidate_seconds=consolidation["seconds"],
            consolidate_peak_rss_mib=consolidation["peak_rss_mib"],
        )
    wh.close()
    return res


def child(argv: list[str]) -> int:
    if argv[0] == "setup":
        emit(step_setup(Path(argv[1])))
    else:
        events, batch, db, mode = argv
        emit(step_ingest(int(events), int(batch), Path(db), into_warehouse=mode == "warehouse"))
    return 0


# ---------------------------------------------------------------------------------------------
# orchestration
# ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.events_ingest", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="5k events in batches of 1,000")
    ap.add_argument("--events", type=int, help="events per run (default: 20k and 100k)")
    ap.add_argument("--batch", type=int, help="events per request (default 1,000; plus a 100 run)")
    ap.add_argument("--json", help="also write all figures to this JSON file")
    args = ap.parse_args(argv)
    if args.events or args.batch:
        runs = [(args.events or 20_000, args.batch or 1000)]
    else:
        runs = [(5_000, 1000)] if args.quick else [(20_000, 1000), (100_000, 1000), (20_000, 100)]

    tmp = Path(tempfile.mkdtemp(prefix="genai-bench-events-"))
    results: list[dict[str, Any]] = []
    print(f"# usage-events benchmark (each run in a fresh subprocess; files under {tmp})")
    try:
        sql_info = snapshot_sql(tmp / "sql")
        print(f"# sql/ at {sql_info.get('git_head', '?')}{' + uncommitted edits' if sql_info.get('sql_dirty') else ''}")
        template = tmp / "template.duckdb"
        run_child("bench.events_ingest", ["_step", "setup", template])
        for events, batch in runs:
            for mode in ("function", "warehouse"):
                db = tmp / f"{events}_{batch}_{mode}.duckdb"
                shutil.copyfile(template, db)
                try:
                    res = run_child("bench.events_ingest", ["_step", events, batch, db, mode])
                finally:
                    db.unlink(missing_ok=True)
                res["mode"] = mode
                results.append(res)
                line = (
                    f"{events:>8,} events / {batch:>5,} per request, {mode:>9}: {res['seconds']:7.2f}s "
                    f"= {res['events_per_s']:7,.0f} events/s (cpu {res['events_per_cpu_s']:,.0f}/s), "
                    f"peak RSS {res['peak_rss_mib']:,.0f} MiB, load {res['loadavg_1m']}"
                )
                if mode == "warehouse":
                    line += (
                        f"; consolidated {res['raw_copies']:,} raw copies into {res['events_kept']:,} events "
                        f"in {res['consolidate_seconds']:.2f}s"
                    )
                    if res["events_kept"] != events or res["unique_kept"] != events:
                        raise RuntimeError(f"dedup failed: {res['events_kept']} kept for {events} unique events")
                print(line, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        table(
            [
                "events",
                "per request",
                "path",
                "seconds",
                "events/s",
                "events/CPU-s",
                "peak RSS MiB",
                "raw copies",
                "kept",
                "consolidate s",
            ],
            [
                [
                    r["events"],
                    r["batch"],
                    "record_usage alone" if r["mode"] == "function" else "into DuckDB",
                    r["seconds"],
                    r["events_per_s"],
                    r["events_per_cpu_s"],
                    r["peak_rss_mib"],
                    r.get("raw_copies", ""),
                    r.get("events_kept", ""),
                    r.get("consolidate_seconds", ""),
                ]
                for r in results
            ],
        )
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_step":
        sys.exit(child(sys.argv[2:]))
    sys.exit(main())
