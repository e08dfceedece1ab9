"""Ingestion benchmark: provider simulator over loopback -> provider client -> ingest_payg -> DuckDB.

    python -m bench.ingestion                 # 30, 90 and 365 days, every provider, scale 1
    python -m bench.ingestion --quick         # 7 and 30 days, scale 0.5 (smoke run)
    python -m bench.ingestion --providers openai,anthropic --windows 30,365 --scale 2

The simulator (``provider_sim.server.serve``) runs in THIS process on 127.0.0.1; every
(provider, window) run is a fresh subprocess that opens its own copy of an onboarded DuckDB file
and calls ``genai_costs.ingestion.payg.ingest_payg`` exactly as the payg entry point does
(credentials from a ``LocalSecretStore``, secret ids ``genai-{org}-{provider}``). That
subprocess's ``ru_maxrss`` is the peak RSS of the ingestion alone (the server's memory is not in
it), so peak RSS per window length shows whether memory grows with the window.

rows/s = (usage + cost + quarantine rows written) / wall seconds of ``ingest_payg`` - which
includes the simulator producing the pages on the same 2 cores, HTTP over loopback, record
validation, the NDJSON spool and the DuckDB window replace.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._measure import emit, measure, run_child, snapshot_sql, table

ORG = "benchorg"
SIM_ORG = "acme"
SEED = 42
END_DATE = dt.date(2026, 1, 1)  # exclusive end of every window; the simulator's "now"
PROVIDERS = ["openai", "anthropic", "azure_openai", "aws_bedrock", "vertex_ai", "gemini"]
BILLING_TABLE = "billing-admin.billing_export.gcp_billing_export_v1_000000_000000_000000"


def credentials(provider: str, base: str) -> dict[str, Any]:
    """The simulator's default credentials (simulator/README.md) in the shape registry.py expects."""
    from provider_sim.catalog import (
        AZURE_ACCOUNT,
        AZURE_RESOURCE_GROUP,
        AZURE_SUBSCRIPTION,
        gemini_projects,
        vertex_projects,
    )

    gcp = {
        "access_token": "sim-gcp-token",
        "monitoring_base_url": f"{base}/gcp/monitoring",
        "bigquery_api_endpoint": f"{base}/gcp",
        "billing_export_table": BILLING_TABLE,
    }
    return {
        "openai": {"admin_api_key": "sk-admin-sim-openai", "base_url": f"{base}/openai/v1"},
        "anthropic": {"admin_api_key": "sk-ant-admin01-sim-anthropic", "base_url": f"{base}/anthropic"},
        "azure_openai": {
            "tenant_id": "00000000-0000-4000-8000-0000000000aa",
            "client_id": "bench",
            "client_secret": "unused-by-simulator",
            "subscription_id": AZURE_SUBSCRIPTION,
            "resource_group": AZURE_RESOURCE_GROUP,
            "account_name": AZURE_ACCOUNT,
            "arm_base_url": f"{base}/azure",
            "access_token": "sim-azure-token",
        },
        "aws_bedrock": {
            "aws_access_key_id": "AKIASIMULATOR0000001",
            "aws_secret_access_key": "unused-by-simulator",
            "region": "us-east-1",
            "cloudwatch_endpoint_url": f"{base}/aws/cloudwatch",
            "ce_endpoint_url": f"{base}/aws/ce",
        },
        "vertex_ai": {"project_id": vertex_projects(SIM_ORG)[0], **gcp},
        "gemini": {"project_id": gemini_projects(SEED, SIM_ORG)[0], **gcp},
    }[provider]


# ---------------------------------------------------------------------------------------------
# child steps
# ---------------------------------------------------------------------------------------------
def step_setup(db: Path) -> dict:
    from genai_costs.onboarding import OnboardRequest, onboard
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    wh = DuckDBWarehouse(db)
    res = measure(lambda: {"tables": len(onboard(wh, OnboardRequest(org_slug=ORG)).tables_created)})
    wh.connection.execute("CHECKPOINT")
    wh.close()
    return res


def step_ingest(provider: str, days: int, db: Path, secrets_dir: Path, key_file: Path, trace: bool = False) -> dict:
    from genai_costs.ingestion.payg import ingest_payg
    from genai_costs.model.messages import PaygMessage
    from genai_costs.secrets.local import LocalSecretStore
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    logging.getLogger("httpx").setLevel(logging.WARNING)
    wh = DuckDBWarehouse(db)
    store = LocalSecretStore(secrets_dir, key_file)
    message = PaygMessage(
        org_slug=ORG, provider=provider, start_date=END_DATE - dt.timedelta(days=days), end_date=END_DATE
    )
    out: dict[str, Any] = {}
    marks: list[dict] = []
    if trace:
        # Where does memory go? RSS high-water mark and Python-heap peak around each staged write.
        import tracemalloc

        from bench._measure import current_rss_mib, peak_rss_mib

        tracemalloc.start()
        original = wh.run_transaction

        def traced(dataset, steps, params=None, *, staged=()):
            tables = ", ".join(s.spec.name for s in staged) or "no staged rows"
            marks.append(
                {
                    "at": f"before {tables}",
                    "hwm_mib": peak_rss_mib(),
                    "rss_mib": current_rss_mib(),
                    "py_peak_mib": tracemalloc.get_traced_memory()[1] / 2**20,
                }
            )
            tracemalloc.reset_peak()
            counts = original(dataset, steps, params, staged=staged)
            marks.append(
                {
                    "at": f"after {tables} ({sum(counts.values())} rows staged)",
                    "hwm_mib": peak_rss_mib(),
                    "rss_mib": current_rss_mib(),
                    "py_peak_mib": tracemalloc.get_traced_memory()[1] / 2**20,
                }
            )
            return counts

        wh.run_transaction = traced  # type: ignore[method-assign]

    def work() -> dict:
        result = ingest_payg(message, warehouse=wh, secrets=store, today=END_DATE)
        out.update(
            status=result.status,
            rows_usage=result.rows_usage,
            rows_costs=result.rows_costs,
            rows_quarantined=result.rows_quarantined,
        )
        return {}

    res = measure(work)
    res.update(out)
    if marks:
        res["memory_marks"] = marks
    stored = wh.connection.execute(
        f"SELECT count(*), count(DISTINCT usage_date) FROM {ORG}_prod.genai_payg_{provider}_usage"
    ).fetchone()
    res.update(stored_usage_rows=stored[0], stored_usage_days=stored[1])
    wh.close()
    res["db_mib"] = db.stat().st_size / 2**20
    return res


def child(argv: list[str]) -> int:
    if argv[0] == "setup":
        res = step_setup(Path(argv[1]))
    else:
        provider, days, db, secrets_dir, key_file, *rest = argv
        res = step_ingest(provider, int(days), Path(db), Path(secrets_dir), Path(key_file), trace="--trace" in rest)
    emit(res)
    return 0


# ---------------------------------------------------------------------------------------------
# orchestration
# ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingestion", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="7 and 30 days at scale 0.5")
    ap.add_argument("--windows", help="comma-separated window lengths in days (default 30,90,365)")
    ap.add_argument("--scale", type=float, help="simulator scale factor (rows per hour; default 1)")
    ap.add_argument("--providers", help=f"comma-separated subset of {','.join(PROVIDERS)}")
    ap.add_argument(
        "--trace-memory",
        action="store_true",
        help="record RSS / Python-heap marks around each staged write (adds tracemalloc overhead)",
    )
    ap.add_argument("--json", help="also write all figures to this JSON file")
    args = ap.parse_args(argv)

    windows = [int(w) for w in args.windows.split(",")] if args.windows else ([7, 30] if args.quick else [30, 90, 365])
    scale = args.scale if args.scale is not None else (0.5 if args.quick else 1.0)
    providers = args.providers.split(",") if args.providers else PROVIDERS

    import httpx

    from genai_costs.secrets.local import LocalSecretStore
    from provider_sim import SimConfig, serve

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request access log
    config = SimConfig(
        seed=SEED, org=SIM_ORG, start=END_DATE - dt.timedelta(days=max(windows)), end=END_DATE, scale=scale
    )
    base_url, stop = serve(config, host="127.0.0.1", port=0)
    tmp = Path(tempfile.mkdtemp(prefix="genai-bench-ingestion-"))
    results: list[dict[str, Any]] = []
    failures: dict[str, str] = {}
    print(
        f"# ingestion benchmark  (simulator {base_url}, scale {scale:g}, windows ending {END_DATE}; "
        f"each run in a fresh subprocess; files under {tmp})"
    )
    try:
        sql_info = snapshot_sql(tmp / "sql")
        print(
            f"# sql/ at {sql_info.get('git_head', '?')}"
            f"{' + uncommitted edits' if sql_info.get('sql_dirty') else ''}, snapshotted for the whole run"
        )
        secrets_dir, key_file = tmp / "secrets", tmp / "secret.key"
        store = LocalSecretStore(secrets_dir, key_file)
        for provider in providers:
            store.put(f"genai-{ORG}-{provider}", json.dumps(credentials(provider, base_url)))
        template = tmp / "template.duckdb"
        run_child("bench.ingestion", ["_step", "setup", template])
        with httpx.Client(base_url=base_url, timeout=30) as admin:
            for provider in providers:
                for days in windows:
                    db = tmp / f"{provider}_{days}d.duckdb"
                    shutil.copyfile(template, db)
                    admin.delete("/_sim/requests")
                    cpu0 = _self_cpu()
                    try:
                        res = run_child(
                            "bench.ingestion",
                            [
                                "_step",
                                provider,
                                days,
                                db,
                                secrets_dir,
                                key_file,
                                *(["--trace"] if args.trace_memory else []),
                            ],
                        )
                    except Exception as exc:  # a client that does not work yet: report and go on
                        failures[provider] = str(exc).splitlines()[-1][:300]
                        print(f"{provider:>13} {days:>4}d: FAILED {failures[provider]}", flush=True)
                        break
                    finally:
                        db.unlink(missing_ok=True)
                    res["requests"] = len(admin.get("/_sim/requests").json().get("requests", []))
                    res["server_cpu_seconds"] = _self_cpu() - cpu0
                    rows = res["rows_usage"] + res["rows_costs"] + res["rows_quarantined"]
                    res.update(provider=provider, days=days, rows=rows, rows_per_s=rows / res["seconds"])
                    results.append(res)
                    print(
                        f"{provider:>13} {days:>4}d: {res['rows_usage']:>8,} usage + {res['rows_costs']:>7,} cost "
                        f"+ {res['rows_quarantined']:,} quarantined rows in {res['seconds']:7.2f}s "
                        f"= {res['rows_per_s']:8,.0f} rows/s, {res['requests']:,} requests, "
                        f"cpu {res['cpu_seconds']:.1f}s "
                        f"client / {res['server_cpu_seconds']:.1f}s simulator, "
                        f"peak RSS {res['peak_rss_mib']:6.0f} MiB (before {res['rss_before_mib']:.0f})",
                        flush=True,
                    )
                    for m in res.get("memory_marks", []):
                        print(
                            f"{'':>20}{m['at']:<48} RSS high-water {m['hwm_mib']:6.0f} MiB, "
                            f"RSS {m['rss_mib']:6.0f} MiB, "
                            f"Python heap peak since last mark {m['py_peak_mib']:6.1f} MiB",
                            flush=True,
                        )
    finally:
        stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print("\n## summary\n")
    print(
        table(
            [
                "provider",
                "days",
                "usage rows",
                "cost rows",
                "wall s",
                "rows/s",
                "HTTP requests",
                "client cpu s",
                "simulator cpu s",
                "peak RSS MiB",
            ],
            [
                [
                    r["provider"],
                    r["days"],
                    r["rows_usage"],
                    r["rows_costs"],
                    r["seconds"],
                    r["rows_per_s"],
                    r["requests"],
                    r["cpu_seconds"],
                    r["server_cpu_seconds"],
                    r["peak_rss_mib"],
                ]
                for r in results
            ],
        )
    )
    print("\npeak RSS (MiB) by window length:\n")
    by_provider = [p for p in providers if any(r["provider"] == p for r in results)]
    print(
        table(
            ["provider", *[f"{d} days" for d in windows], f"growth {windows[0]}->{windows[-1]}d"],
            [
                [
                    p,
                    *[
                        next((r["peak_rss_mib"] for r in results if r["provider"] == p and r["days"] == d), "-")
                        for d in windows
                    ],
                    _growth([r for r in results if r["provider"] == p]),
                ]
                for p in by_provider
            ],
        )
    )
    if failures:
        print("\nproviders whose client did not work: " + "; ".join(f"{p}: {e}" for p, e in failures.items()))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"scale": scale, "results": results, "failures": failures}, indent=1, default=str)
        )
    return 0


def _self_cpu() -> float:
    """CPU seconds of this process (the simulator's threads; children are not included)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _growth(rows: list[dict]) -> str:
    if len(rows) < 2:
        return "-"
    first, last = rows[0], rows[-1]
    return (
        f"{last['peak_rss_mib'] - first['peak_rss_mib']:+.0f} MiB for {last['rows'] / max(first['rows'], 1):.1f}x rows"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_step":
        sys.exit(child(sys.argv[2:]))
    sys.exit(main())
