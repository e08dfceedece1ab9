"""Usage-event pricing benchmark: our engine (``sp_genai_4a_price_usage_events`` on embedded DuckDB, the same
SQL that prices on BigQuery) against LiteLLM's per-record ``cost_per_token``, on the same events in the same run.

    python -m bench.events_pricing                          # 1,000,000 events
    python -m bench.events_pricing --events 100000          # smaller run
    python -m bench.events_pricing --litellm-python /path/to/python   # an interpreter that has litellm

LiteLLM is not a dependency of this project. Without ``--litellm-python`` (or ``$LITELLM_PYTHON``) the bench
builds a throwaway virtual environment in its temporary directory with ``uv`` (``uv venv`` + ``uv pip install
litellm``) and deletes it at the end.

Steps, each in a fresh subprocess (its peak RSS, VmHWM, is its own; see bench/README.md):

1. **generate**: onboard an org (seed catalog) and write N events into ``genai_usage_events`` with one
   ``INSERT ... SELECT`` from ``range()``: 6 models of OpenAI, Anthropic and Gemini known to both price lists,
   uncached input, cache reads and output tokens, 7 event days. The events are also written to a CSV file
   (model, tokens) for LiteLLM.
2. **ours**: ``CALL sp_genai_4a_price_usage_events`` for the 7 days: every event priced with the pricing id
   that made it (exact NUMERIC), into ``genai_usage_event_costs``.
3. **litellm**: the CSV read into memory first (not timed), then ``litellm.cost_per_token(model,
   prompt_tokens, completion_tokens, cache_read_input_tokens)`` per event (LiteLLM's local price map:
   ``LITELLM_LOCAL_MODEL_COST_MAP=True``, no network).
4. **agreement**: for a sample of events, our estimate against LiteLLM's prompt + completion cost; every
   mismatch is listed per model with both price lists' rates, which is where they come from.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench._measure import emit, measure, run_child, snapshot_sql, table

ORG = "benchpricing"
DATASET = f"{ORG}_prod"
DAYS = 7
END = dt.date(2026, 11, 1)
START = END - dt.timedelta(days=DAYS)
SAMPLE = 5_000
# (provider, our model id, LiteLLM model id): models both price lists carry.
MODELS = (
    ("openai", "gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),
    ("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-07-18"),
    ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"),
    ("anthropic", "claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001"),
    ("gemini", "gemini-2.5-flash", "gemini/gemini-2.5-flash"),
    ("gemini", "gemini-2.5-flash-lite", "gemini/gemini-2.5-flash-lite"),
)
LITELLM_CHILD = Path(__file__).with_name("_litellm_pricing_child.py")


def _sql_models() -> str:
    rows = ", ".join(f"({i}, '{p}', '{m}')" for i, (p, m, _) in enumerate(MODELS))
    return f"(VALUES {rows}) AS m(idx, provider, model)"


def generate_sql(events: int) -> str:
    """N events, deterministic (hash of the row number), every column the procedure reads."""
    return f"""
    INSERT INTO {DATASET}.genai_usage_events BY NAME
    SELECT
      DATE '{START}' + CAST(r.i % {DAYS} AS INTEGER) AS event_date,
      '{ORG}' AS org_slug, 'bench-' || r.i AS event_key, 'chatcmpl-' || r.i AS event_id, 'bench' AS source,
      CAST(DATE '{START}' + CAST(r.i % {DAYS} AS INTEGER) AS TIMESTAMP) + to_seconds(r.i % 86400) AS occurred_at,
      m.provider, m.model,
      'key_' || (hash(r.i, 'key') % 9) AS api_key_id, 'proj_' || (hash(r.i, 'proj') % 4) AS project_id,
      CAST(50 + hash(r.i, 'in') % 6000 AS BIGINT) AS input_uncached_tokens,
      CAST(IF(hash(r.i, 'c') % 3 = 0, 0, hash(r.i, 'cached') % 3000) AS BIGINT) AS input_cached_tokens,
      CAST(0 AS BIGINT) AS cache_write_5m_tokens, CAST(0 AS BIGINT) AS cache_write_1h_tokens,
      CAST(0 AS BIGINT) AS input_audio_tokens,
      CAST(10 + hash(r.i, 'out') % 1500 AS BIGINT) AS output_tokens, CAST(0 AS BIGINT) AS output_audio_tokens,
      CAST(0 AS BIGINT) AS web_search_requests, FALSE AS is_batch, 'succeeded' AS status,
      'tenant-' || (hash(r.i, 't') % 40) AS tenant_id, 'learner-' || (hash(r.i, 'u') % 5000) AS user_id,
      'tutor-api' AS service, now() AS received_at, 'bench' AS batch_id, CAST(1 AS BIGINT) AS occurrences,
      now() AS consolidated_at
    FROM (SELECT range AS i FROM range({events})) AS r
    JOIN {_sql_models()} ON m.idx = hash(r.i, 'model') % {len(MODELS)}
    """


# ---------------------------------------------------------------------------------------------
# steps (each in its own subprocess)
# ---------------------------------------------------------------------------------------------
def step_generate(db: Path, events: int, events_csv: Path) -> dict[str, Any]:
    from genai_costs.onboarding import OnboardRequest, onboard
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    with DuckDBWarehouse(db) as wh:
        onboard(wh, OnboardRequest(org_slug=ORG))
        con = wh.connection
        con.execute(generate_sql(events))
        litellm_ids = " ".join(f"WHEN '{m}' THEN '{lm}'" for _, m, lm in MODELS)
        con.execute(
            f"COPY (SELECT event_key, CASE model {litellm_ids} END AS litellm_model, "
            f"input_uncached_tokens + input_cached_tokens AS prompt_tokens, input_cached_tokens, output_tokens "
            f"FROM {DATASET}.genai_usage_events ORDER BY event_key) TO '{events_csv}' (HEADER, DELIMITER ',')"
        )
        (count,) = con.execute(f"SELECT count(*) FROM {DATASET}.genai_usage_events").fetchone()
    return {"events": count}


def step_ours(db: Path) -> dict[str, Any]:
    from genai_costs.paths import sql_root
    from genai_costs.warehouse.base import Call
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse
    from genai_costs.warehouse.sqlfiles import load_procedures

    procedure = load_procedures(sql_root())["sp_genai_4a_price_usage_events"]
    params = {"p_org_slug": ORG, "p_events_start_date": START, "p_end_date": END}
    with DuckDBWarehouse(db) as wh:

        def work() -> dict[str, Any]:
            wh.run_transaction(DATASET, [Call(procedure)], params)
            return {}

        result = measure(work)
        rows = wh.connection.execute(
            f"SELECT cost_status, count(*), sum(estimated_cost_usd) FROM {DATASET}.genai_usage_event_costs GROUP BY 1"
        ).fetchall()
    result["by_status"] = {status: {"events": n, "cost_usd": str(cost)} for status, n, cost in rows}
    result["events"] = sum(n for _, n, _ in rows)
    return result


def step_sample(db: Path, keys_json: Path) -> dict[str, Any]:
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    keys = json.loads(keys_json.read_text())
    with DuckDBWarehouse(db) as wh:
        rows = wh.connection.execute(
            f"SELECT c.event_key, c.model, CAST(c.estimated_cost_usd AS VARCHAR), c.pricing_id, p.input_price_per_1k, "
            f"p.cached_input_price_per_1k, p.output_price_per_1k "
            f"FROM {DATASET}.genai_usage_event_costs AS c LEFT JOIN {DATASET}.llm_model_pricing AS p "
            f"ON p.pricing_id = c.pricing_id WHERE c.event_key IN (SELECT unnest(?::VARCHAR[]))",
            [keys],
        ).fetchall()
    return {"ours": {r[0]: [r[1], r[2], r[3], *(str(x) if x is not None else None for x in r[4:])] for r in rows}}


# ---------------------------------------------------------------------------------------------
# orchestration
# ---------------------------------------------------------------------------------------------
def litellm_interpreter(workdir: Path, given: str | None) -> tuple[str, str]:
    """(python, litellm version): the one given, or a throwaway venv built with uv."""
    python = given or os.environ.get("LITELLM_PYTHON")
    if not python:
        uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
        venv = workdir / "litellm-venv"
        subprocess.run([uv, "venv", "-q", "-p", "python3", str(venv)], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "litellm"], check=True, env={**os.environ, "VIRTUAL_ENV": str(venv)}
        )
        python = str(venv / "bin" / "python")
    version = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return python, version


def run_litellm(python: str, events_csv: Path, sample_keys: Path) -> dict[str, Any]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [python, str(LITELLM_CHILD), str(events_csv), str(sample_keys)], capture_output=True, text=True, env=env
    )
    if proc.returncode != 0:
        raise RuntimeError(f"litellm step failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(ours: dict[str, list[Any]], theirs: dict[str, Any]) -> dict[str, Any]:
    """Per model: sampled events, those whose costs differ by more than 1e-9 USD, largest relative gap, and
    both price lists' rates per 1M tokens (input, cache read, output)."""
    per_model: dict[str, dict[str, Any]] = {}
    for key, (model, cost, pricing_id, p_in, p_cached, p_out) in ours.items():
        lite = theirs["sample"].get(key)
        entry = per_model.setdefault(
            model,
            {"sampled": 0, "mismatches": 0, "max_rel_gap": 0.0, "ours_per_1m": None, "litellm_per_1m": None},
        )
        entry["sampled"] += 1
        if p_in is not None:
            per_1k = [Decimal(x) if x is not None else None for x in (p_in, p_cached, p_out)]
            entry["ours_per_1m"] = [str(x * 1000) if x is not None else None for x in per_1k]
        entry["pricing_id"] = pricing_id
        if lite is None or cost is None:
            entry["mismatches"] += 1
            continue
        ours_cost, lite_cost = Decimal(cost), Decimal(repr(lite["cost"]))
        entry["litellm_per_1m"] = lite["per_1m"]
        if abs(ours_cost - lite_cost) > Decimal("0.000000001"):
            entry["mismatches"] += 1
            if ours_cost:
                entry["max_rel_gap"] = max(entry["max_rel_gap"], float(abs(ours_cost - lite_cost) / ours_cost))
    return per_model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--litellm-python", help="python with litellm installed (default: a throwaway venv)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keys", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.step == "generate":
        emit(measure(lambda: step_generate(args.db, args.events, args.csv)))
        return
    if args.step == "ours":
        emit(step_ours(args.db))
        return
    if args.step == "sample":
        emit(step_sample(args.db, args.keys))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-events-pricing-"))
    try:
        info = snapshot_sql(work / "sql")
        db, events_csv, keys = work / "warehouse.duckdb", work / "events.csv", work / "sample_keys.json"
        print(f"events pricing bench: {args.events:,} events, sql {info.get('git_head')}"
              f"{' + uncommitted edits' if info.get('sql_dirty') else ''}")  # fmt: skip
        python, version = litellm_interpreter(work, args.litellm_python)
        print(f"litellm {version} ({python})")
        common = ["--events", args.events, "--db", db, "--csv", events_csv]
        generated = run_child("bench.events_pricing", ["--step", "generate", *common])
        print(f"generated {generated['events']:,} events in {generated['seconds']:.1f}s")
        step = max(1, args.events // SAMPLE)
        with events_csv.open() as fh:
            sample = [row["event_key"] for i, row in enumerate(csv.DictReader(fh)) if i % step == 0]
        keys.write_text(json.dumps(sample))
        ours = run_child("bench.events_pricing", ["--step", "ours", *common])
        print(f"ours: {ours['events']:,} events in {ours['seconds']:.2f}s wall, {ours['cpu_seconds']:.2f} cpu-s, "
              f"peak RSS {ours['peak_rss_mib']:.0f} MiB")  # fmt: skip
        theirs = run_litellm(python, events_csv, keys)
        ours_sample = run_child("bench.events_pricing", ["--step", "sample", *common, "--keys", keys])["ours"]
        agreement = compare(ours_sample, theirs)

        ours_rate = ours["events"] / ours["seconds"]
        theirs_rate = theirs["events"] / theirs["seconds"]
        print()
        rows = [
            ["our engine (sp_genai_4a, DuckDB)", f"{ours['events']:,}", f"{ours['seconds']:.2f}",
             f"{ours['cpu_seconds']:.2f}", f"{ours_rate:,.0f}", f"{ours['peak_rss_mib']:.0f}"],
            [f"litellm {version} cost_per_token", f"{theirs['events']:,}", f"{theirs['seconds']:.2f}",
             f"{theirs['cpu_seconds']:.2f}", f"{theirs_rate:,.0f}", f"{theirs['peak_rss_mib']:.0f}"],
        ]  # fmt: skip
        print(table(["pricer", "events", "wall s", "cpu s", "events/s", "peak RSS MiB"], rows))
        cpu_ratio = (ours["events"] / ours["cpu_seconds"]) / (theirs["events"] / theirs["cpu_seconds"])
        print(
            f"\nratio: {ours_rate / theirs_rate:,.1f}x LiteLLM's throughput in wall time, {cpu_ratio:,.1f}x per "
            f"CPU-second (goal >= 100x)"
        )
        print(f"our statuses: {ours['by_status']}; litellm errors: {theirs['errors']}")
        print(f"\nagreement on {sum(m['sampled'] for m in agreement.values()):,} sampled events (|diff| > 1e-9 USD):")
        agreement_rows = [
            [model, m["sampled"], m["mismatches"], f"{m['max_rel_gap']:.2%}", m["ours_per_1m"], m["litellm_per_1m"]]
            for model, m in sorted(agreement.items())
        ]
        print(table(["model", "sampled", "mismatches", "max rel gap", "ours $/1M in,cached,out", "litellm"],
                    agreement_rows))  # fmt: skip
        if args.json:
            figures = {"ours": ours, "litellm": theirs | {"sample": None}, "agreement": agreement}
            args.json.write_text(json.dumps(figures, indent=2, default=str))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
