"""Consolidation benchmark: sp_genai_1/2/3 on the embedded backend against a hand-written floor.

    python -m bench.consolidation            # 1M rows / 30 days, 10M / 60 days, 50M / 90 days
    python -m bench.consolidation --quick    # 200k rows / 30 days (smoke run)
    python -m bench.consolidation --sizes 10M --days 60 --profile

For each size, in a temporary directory:

1. ``generate`` (one subprocess): onboard org ``bench`` into a DuckDB *file* and fill the six raw
   ``genai_payg_*_usage`` tables with ``INSERT ... SELECT`` from ``range()`` (no Python rows):
   six providers, 44 (provider, model) ids (7 unknown to the catalog), ~2,300 API keys in ~630
   projects/accounts, hourly buckets. A universe of dimension combinations is drawn first (skewed: popular combinations
   are active almost every hour, the tail rarely); each (hour, combination) pair is kept with
   that combination's activity probability, so raw rows ~ target.
2. ``floor``, ``sp1``, ``sp2``, ``sp3`` (one fresh subprocess each, on the same file): wall time
   and the subprocess's peak RSS (``ru_maxrss``). Each procedure runs through
   ``DuckDBWarehouse.call_procedure`` over the full window, exactly as consolidation does.
   The FLOOR is one hand-written DuckDB statement over the same raw rows: group by day and the
   same dimensions, sum the token categories, join the price catalog once (exact model id,
   effective-dated, non-regional/non-tier rows) and multiply - the minimal work that yields
   daily costs - written to a table in the same file (the procedures write too).
3. ``--profile``: one more subprocess per procedure runs each transpiled statement under DuckDB's
   JSON profiler inside a transaction that is rolled back, and prints the heaviest operators.

DuckDB runs with its defaults (threads = cores, memory_limit = 80 % of RAM) unless
``--memory-limit`` / ``--threads`` are given; they are applied to every step alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import emit, measure, run_child, snapshot_sql, table

ORG = "bench"
DATASET = f"{ORG}_prod"
END_DATE = dt.date(2026, 3, 1)  # exclusive; every catalog row used is effective by then
STEPS = ("sp1", "sp2", "sp3")  # each runs every procedure of the chain whose name starts sp_genai_<n>
DEFAULT_SIZES = [(1_000_000, 30), (10_000_000, 60), (50_000_000, 90)]
QUICK_SIZES = [(200_000, 30)]
MEAN_ACTIVITY = 1.0 / 3.0  # mean of (1 - rank/K)^2 over the combination universe

# provider, share of combinations (%), models by popularity (catalog-unknown ones last)
PROVIDERS: list[tuple[str, int, list[str]]] = [
    (
        "openai",
        38,
        [
            "gpt-4o-mini",
            "gpt-4o",
            "gpt-4.1-mini",
            "gpt-4.1",
            "gpt-5-mini",
            "gpt-5",
            "o4-mini",
            "o3",
            "gpt-4o-2024-08-06",
            "gpt-5.5-preview",
            "ft:gpt-4o-mini-2024-07-18:acme::abc123",
        ],
    ),
    (
        "anthropic",
        26,
        [
            "claude-sonnet-4-20250514",
            "claude-3-5-haiku-20241022",
            "claude-sonnet-4-5-20250929",
            "claude-haiku-4-5",
            "claude-opus-4-1-20250805",
            "claude-3-7-sonnet-20250219",
            "claude-3-haiku-20240307",
            "claude-sonnet-5-preview-20260301",
        ],
    ),
    ("azure_openai", 12, ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4o-2024-05-13", "gpt-5-chat-az-preview"]),
    (
        "vertex_ai",
        10,
        [
            "gemini-2.5-flash",
            "gemini-2.5-pro",
            "gemini-2.0-flash-001",
            "claude-sonnet-4@20250514",
            "gemini-3.0-pro-preview-0917",
        ],
    ),
    (
        "gemini",
        10,
        [
            "gemini-2.5-flash",
            "gemini-2.0-flash",
            "gemini-2.5-flash-lite",
            "gemini-2.5-pro",
            "gemini-2.0-flash-lite",
            "gemini-1.5-flash",
            "text-embedding-004",
            "gemini-3-flash-preview-exp",
        ],
    ),
    (
        "aws_bedrock",
        4,
        [
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "amazon.nova-lite-v1:0",
            "amazon.nova-pro-v1:0",
            "anthropic.claude-3-haiku-20240307-v1:0",
            "meta.llama3-1-70b-instruct-v1:0",
            "us.amazon.nova-premier-preview-v1:0",
        ],
    ),
]
RAW_TABLES = {name: f"genai_payg_{name}_usage" for name, _, _ in PROVIDERS}
TOKEN_COLS = [
    "input_uncached_tokens",
    "input_cached_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "output_tokens",
    "output_audio_tokens",
]
DIMS = [
    "usage_date",
    "provider",
    "model",
    "region",
    "service_tier",
    "is_batch",
    "project_id",
    "api_key_id",
    "deployment",
    "context_window",
]


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join(_sql_str(i) for i in items) + "]"


# ---------------------------------------------------------------------------------------------
# data generation
# ---------------------------------------------------------------------------------------------
def combos_sql(k: int) -> str:
    """A universe of ``k`` dimension combinations, ranked: rank 0 is the most active."""
    bounds, acc = [], 0
    for name, share, _ in PROVIDERS:
        acc += share
        bounds.append((name, acc))
    provider_case = (
        "CASE "
        + " ".join(f"WHEN pu < {b} THEN {_sql_str(n)}" for n, b in bounds[:-1])
        + f" ELSE {_sql_str(bounds[-1][0])} END"
    )
    models_case = (
        "CASE provider " + " ".join(f"WHEN {_sql_str(n)} THEN {_sql_list(m)}" for n, _, m in PROVIDERS) + " END"
    )
    u = "(hash(c, '{salt}') % 1000000) / 1000000.0"
    return f"""
    CREATE OR REPLACE TEMP TABLE combos AS
    WITH base AS (
      SELECT range AS c, hash(range, 'provider') % 100 AS pu, {u.format(salt="model")} AS mu,
        hash(range, 'key') % 1200 AS k, hash(range, 'tier') % 100 AS tu, hash(range, 'region') % 100 AS ru,
        power(1.0 - range / {k}.0, 2) AS activity
      FROM range({k})
    ), prov AS (
      SELECT *, {provider_case} AS provider FROM base
    ), withmodel AS (
      SELECT *, list_extract(models, 1 + CAST(floor(len(models) * mu * mu) AS BIGINT)) AS model
      FROM (SELECT *, {models_case} AS models FROM prov)
    )
    SELECT c, activity, provider, model,
      CASE provider
        WHEN 'anthropic' THEN IF(ru < 80, NULL, 'us')
        WHEN 'azure_openai' THEN IF(ru < 70, 'eastus', 'swedencentral')
        WHEN 'vertex_ai' THEN CASE WHEN ru < 60 THEN 'us-central1' WHEN ru < 85 THEN 'europe-west4' ELSE 'global' END
        WHEN 'aws_bedrock' THEN IF(ru < 75, 'us-east-1', 'us-west-2')
      END AS region,
      CASE provider
        WHEN 'openai' THEN CASE WHEN tu < 90 THEN 'default' WHEN tu < 95 THEN 'flex' ELSE 'priority' END
        WHEN 'anthropic' THEN CASE WHEN tu < 85 THEN 'standard' WHEN tu < 96 THEN 'batch' ELSE 'priority' END
        WHEN 'azure_openai' THEN CASE WHEN tu < 70 THEN 'GlobalStandard' WHEN tu < 95 THEN 'Standard'
                                 ELSE 'GlobalProvisionedManaged' END
        WHEN 'vertex_ai' THEN IF(tu < 95, 'shared', 'spillover')
      END AS service_tier,
      CASE provider
        WHEN 'openai' THEN tu >= 80 AND tu < 90
        WHEN 'anthropic' THEN tu >= 85 AND tu < 96
        WHEN 'azure_openai' THEN FALSE
      END AS is_batch,
      CASE provider
        WHEN 'openai' THEN 'proj_' || lpad(CAST(k // 4 AS VARCHAR), 4, '0')
        WHEN 'anthropic' THEN IF(k % 10 = 0, NULL, 'wrkspc_' || lpad(CAST((k // 4) % 150 AS VARCHAR), 4, '0'))
        WHEN 'azure_openai' THEN 'aoai-' || CAST(k % 40 AS VARCHAR)
        WHEN 'vertex_ai' THEN 'vtx-proj-' || CAST(k % 60 AS VARCHAR)
        WHEN 'gemini' THEN 'gen-lang-client-' || lpad(CAST(k % 80 AS VARCHAR), 10, '0')
      END AS project_id,
      CASE provider
        WHEN 'openai' THEN 'key_' || lpad(CAST(k AS VARCHAR), 5, '0')
        WHEN 'anthropic' THEN IF(k % 20 = 1, NULL, 'apikey_' || lpad(CAST(k AS VARCHAR), 5, '0'))
      END AS api_key_id,
      CASE provider WHEN 'azure_openai' THEN model || '-' || CAST(k % 3 AS VARCHAR) END AS deployment,
      CASE provider WHEN 'anthropic' THEN IF(ru % 13 = 0, '200k-1M', '0-200k') END AS context_window
    FROM withmodel
    """


def raw_insert_sql(provider: str, hours: int, start: dt.date) -> str:
    """Raw hourly rows for one provider: every (hour, combination) kept with its activity."""
    h = "hash(hr, c, '{salt}')"
    tok = "(" + h + " % {mod})"
    has_cache = provider in ("openai", "anthropic", "azure_openai", "aws_bedrock")
    cached = (
        f"IF({tok.format(salt='cu', mod=100)} < 55, input * {tok.format(salt='cf', mod=70)} // 100, 0)"
        if has_cache
        else "0"
    )
    cw5 = (
        f"IF({tok.format(salt='w5', mod=100)} < 30, input * {tok.format(salt='w5f', mod=40)} // 100, 0)"
        if provider in ("anthropic", "aws_bedrock")
        else "0"
    )
    cw1 = (
        f"IF({tok.format(salt='w1', mod=100)} < 5, input * {tok.format(salt='w1f', mod=20)} // 100, 0)"
        if provider == "anthropic"
        else "0"
    )
    audio_in = (
        f"IF(model IN ('gpt-4o', 'gpt-4o-mini') AND {tok.format(salt='au', mod=100)} < 3, "
        f"{tok.format(salt='aui', mod=20000)}, 0)"
        if provider == "openai"
        else "0"
    )
    audio_out = "input_audio_tokens // 3" if provider == "openai" else "0"
    web = (
        f"IF({tok.format(salt='ws', mod=100)} < 3, 1 + {tok.format(salt='wsn', mod=20)}, 0)"
        if provider == "anthropic"
        else "NULL"
    )
    source = {
        "openai": "openai.usage.completions",
        "anthropic": "anthropic.usage_report.messages",
        "azure_openai": "azure.monitor.metrics",
        "vertex_ai": "gcp.monitoring.token_count",
        "gemini": "gcp.monitoring.generate_content",
        "aws_bedrock": "aws.cloudwatch.bedrock",
    }[provider]
    return f"""
    INSERT INTO {DATASET}.{RAW_TABLES[provider]} BY NAME
    WITH pairs AS (
      SELECT hr, c, model, region, service_tier, is_batch, project_id, api_key_id, deployment, context_window,
        -- skewed, heavy-tailed token counts: 10 .. ~2M input tokens per hour and combination
        CAST(10 + power(({h.format(salt="in")} % 1000000) / 1000000.0, 3) * 2000000 AS BIGINT) AS input
      FROM combos, range({hours}) AS r(hr)
      WHERE provider = {_sql_str(provider)}
        AND {h.format(salt="on")} % 1000000 < activity * 1000000
    ), toks AS (
      SELECT *, {cached} AS input_cached_tokens, {cw5} AS cache_write_5m_tokens, {cw1} AS cache_write_1h_tokens,
        {audio_in} AS input_audio_tokens,
        1 + input * (5 + {tok.format(salt="out", mod=60)}) // 100 AS output_tokens,
        {web} AS web_search_requests
      FROM pairs
    )
    SELECT
      'bench-' || CAST(hr AS VARCHAR) || '-' || CAST(c AS VARCHAR) AS record_id,
      'bench-run' AS run_id,
      TIMESTAMPTZ '{END_DATE.isoformat()} 00:00:00+00' AS ingested_at,
      {_sql_str(ORG)} AS org_slug,
      {_sql_str(provider)} AS provider,
      {_sql_str(source)} AS source,
      TIMESTAMPTZ '{start.isoformat()} 00:00:00+00' + hr * INTERVAL 1 HOUR AS bucket_start,
      '1h' AS bucket_width,
      CAST(DATE '{start.isoformat()}' + CAST(hr // 24 AS INTEGER) AS DATE) AS usage_date,
      model, region, service_tier, is_batch, project_id, api_key_id, deployment, context_window,
      input - input_cached_tokens - cache_write_5m_tokens - cache_write_1h_tokens AS input_uncached_tokens,
      input_cached_tokens, cache_write_5m_tokens, cache_write_1h_tokens, input_audio_tokens, output_tokens,
      {audio_out} AS output_audio_tokens,
      1 + input // 3000 AS requests,
      web_search_requests,
      input + input_audio_tokens + output_tokens + {audio_out} AS provider_total_tokens
    FROM toks
    """


def step_generate(db: Path, rows: int, days: int, threads: int | None, memory_limit: str | None) -> dict:
    from genai_costs.onboarding import OnboardRequest, onboard

    wh = _open(db, threads, memory_limit)
    onboard(wh, OnboardRequest(org_slug=ORG))
    con = wh.connection
    hours = days * 24
    k = max(100, int(rows / hours / MEAN_ACTIVITY))
    start = END_DATE - dt.timedelta(days=days)
    per_provider = {}

    def work() -> dict:
        con.execute(combos_sql(k))
        for name, _, _ in PROVIDERS:
            t0 = time.perf_counter()
            con.execute(raw_insert_sql(name, hours, start))
            n = con.execute(f"SELECT count(*) FROM {DATASET}.{RAW_TABLES[name]}").fetchone()[0]
            per_provider[name] = {"rows": n, "seconds": round(time.perf_counter() - t0, 2)}
        con.execute("CHECKPOINT")
        return {}

    res = measure(work)
    stats = con.execute("""
        SELECT count(DISTINCT model), count(DISTINCT project_id), count(DISTINCT api_key_id) FROM combos""").fetchone()
    wh.close()
    res.update(
        rows=sum(p["rows"] for p in per_provider.values()),
        per_provider=per_provider,
        combinations=k,
        models=stats[0],
        projects=stats[1],
        api_keys=stats[2],
        start=start.isoformat(),
        end=END_DATE.isoformat(),
        db_mib=db.stat().st_size / 2**20,
    )
    return res


# ---------------------------------------------------------------------------------------------
# measured steps
# ---------------------------------------------------------------------------------------------
def floor_sql(start: dt.date, end: dt.date) -> str:
    where = f"usage_date >= DATE '{start}' AND usage_date < DATE '{end}'"
    cols = ", ".join(DIMS + TOKEN_COLS)
    raw = "\n      UNION ALL ".join(
        f"SELECT {cols} FROM {DATASET}.{t} WHERE {where} AND org_slug = '{ORG}'" for t in RAW_TABLES.values()
    )
    sums = ", ".join(f"sum({c}) AS {c}" for c in TOKEN_COLS)
    return f"""
    CREATE OR REPLACE TABLE {DATASET}.bench_floor_costs AS
    WITH raw AS (
      {raw}
    ), daily AS (
      SELECT {", ".join(DIMS)}, {sums}, count(*) AS raw_row_count FROM raw GROUP BY ALL
    ), price AS (
      SELECT provider, model_id, effective_date, coalesce(end_date, DATE '9999-12-31') AS end_date,
        input_price_per_1k AS pi, output_price_per_1k AS po,
        coalesce(cached_input_price_per_1k, input_price_per_1k) AS pc,
        coalesce(cache_write_5m_price_per_1k, input_price_per_1k) AS pw5,
        coalesce(cache_write_1h_price_per_1k, input_price_per_1k) AS pw1,
        audio_input_price_per_1k AS pai, audio_output_price_per_1k AS pao
      FROM {DATASET}.llm_model_pricing
      WHERE is_enabled AND region IS NULL AND service_tier IS NULL AND NOT is_custom
    )
    SELECT d.*,
      (d.input_uncached_tokens * p.pi + d.input_cached_tokens * p.pc + d.cache_write_5m_tokens * p.pw5
        + d.cache_write_1h_tokens * p.pw1 + d.input_audio_tokens * coalesce(p.pai, 0)
        + d.output_tokens * p.po + d.output_audio_tokens * coalesce(p.pao, 0)) / 1000 AS cost_usd
    FROM daily AS d
    LEFT JOIN price AS p
      ON p.provider = d.provider AND p.model_id = d.model
      AND d.usage_date >= p.effective_date AND d.usage_date <= p.end_date
    """


def step_procedures(step: str) -> list:
    """The chain's procedures of one step (sp3 = sp_genai_3 and sp_genai_3b), in chain order."""
    from genai_costs.consolidation import PROCEDURES
    from genai_costs.paths import sql_root
    from genai_costs.warehouse.sqlfiles import load_procedures

    procs = load_procedures(sql_root())
    prefix = "sp_genai_" + step.split("-")[0].removeprefix("sp")
    return [procs[name] for name in PROCEDURES if name.startswith(prefix)]


def _open(db: Path, threads: int | None, memory_limit: str | None):
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    wh = DuckDBWarehouse(db)
    if threads:
        wh.connection.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        wh.connection.execute(f"SET memory_limit = '{memory_limit}'")
    return wh


def _engine_settings(con) -> dict:
    return dict(
        con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'memory_limit')").fetchall()
    )


def step_run(step: str, db: Path, start: dt.date, end: dt.date, threads: int | None, memory_limit: str | None) -> dict:
    wh = _open(db, threads, memory_limit)
    con = wh.connection
    settings = _engine_settings(con)
    if step == "floor":
        sql = floor_sql(start, end)

        def work() -> dict:
            con.execute(sql)
            return {}

        res = measure(work)
        out_rows, cost = con.execute(f"SELECT count(*), sum(cost_usd) FROM {DATASET}.bench_floor_costs").fetchone()
        res.update(out_rows=out_rows, cost_usd=float(cost or 0))
    elif step == "writes":
        # Only writing what sp1..sp3 wrote: each output table's window copied into an empty table
        # of the same schema, one transaction each. What no rewrite of the procedures can go below.
        tables = ("genai_usage_daily", "genai_costs_daily_unified", "cost_data_standard_1_3")
        for t in tables:
            con.execute(f"CREATE OR REPLACE TABLE {DATASET}.bench_copy_{t} AS SELECT * FROM {DATASET}.{t} LIMIT 0")
        con.execute("CHECKPOINT")

        def work() -> dict:
            for t in tables:
                con.execute("BEGIN")
                con.execute(f"INSERT INTO {DATASET}.bench_copy_{t} SELECT * FROM {DATASET}.{t}")
                con.execute("COMMIT")
            return {}

        res = measure(work)
        res["out_rows"] = sum(con.execute(f"SELECT count(*) FROM {DATASET}.{t}").fetchone()[0] for t in tables)
        for t in tables:
            con.execute(f"DROP TABLE {DATASET}.bench_copy_{t}")
    else:
        from genai_costs.warehouse.sqlcache import duckdb_sql
        from genai_costs.warehouse.sqlfiles import is_transaction_control, parse_bigquery

        procs = step_procedures(step)
        params = {"p_org_slug": ORG, "p_start_date": start, "p_end_date": end}
        # Parsing + transpiling every statement, once per process: a warm function instance has it
        # cached (keyed by the statement text), so the measured calls below do not repeat it.
        t0 = time.process_time()
        for proc in procs:
            for text in proc.statements:
                if not is_transaction_control(parse_bigquery(text)):
                    duckdb_sql(text, frozenset(proc.param_types))
        transpile_seconds = time.process_time() - t0

        def work() -> dict:
            for proc in procs:
                wh.call_procedure(DATASET, proc, params)
            return {}

        res = measure(work)
        kind = step.split("-")[0]
        target = {"sp1": "genai_usage_daily", "sp2": "genai_costs_daily_unified", "sp3": "cost_data_standard_1_3"}[kind]
        cost_col = {"sp1": "NULL", "sp2": "sum(cost_usd)", "sp3": "sum(EffectiveCost)"}[kind]
        out_rows, cost = con.execute(f"SELECT count(*), {cost_col} FROM {DATASET}.{target}").fetchone()
        res.update(
            out_rows=out_rows, cost_usd=float(cost) if cost is not None else None, transpile_seconds=transpile_seconds
        )
        if kind == "sp2":
            # Content checksum (all but consolidated_at): two runs, or a rewrite, can be compared for equal output.
            res["checksum"] = con.execute(
                f"SELECT bit_xor(hash(cost_id, cost_status, pricing_id, price_rule, cost_usd, list_cost_usd, "
                f"billable_quantity, free_quantity, unpriced_reason)) FROM {DATASET}.genai_costs_daily_unified"
            ).fetchone()[0]
            res["unpriced_rows"] = con.execute(
                f"SELECT count(*) FROM {DATASET}.genai_costs_daily_unified WHERE cost_status = 'unpriced'"
            ).fetchone()[0]
            res["unpriced_by_provider"] = dict(
                con.execute(
                    f"SELECT provider, count(*) FROM {DATASET}.genai_costs_daily_unified "
                    f"WHERE cost_status = 'unpriced' "
                    "GROUP BY ALL ORDER BY 2 DESC"
                ).fetchall()
            )
    res["settings"] = settings
    wh.close()
    res["db_mib"] = db.stat().st_size / 2**20
    return res


def step_profile(
    step: str, db: Path, start: dt.date, end: dt.date, threads: int | None, memory_limit: str | None, top: int = 8
) -> dict:
    """Each transpiled statement under the JSON profiler; the transaction is rolled back."""
    from genai_costs.warehouse.base import Param
    from genai_costs.warehouse.sqlfiles import is_transaction_control
    from genai_costs.warehouse.transpile import to_duckdb

    wh = _open(db, threads, memory_limit)
    con = wh.connection
    params = {"p_org_slug": ORG, "p_start_date": start, "p_end_date": end}
    out = []
    statements = [(proc, t) for proc in step_procedures(step) for t in proc.parsed() if not is_transaction_control(t)]
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        con.execute(f"USE {DATASET}")
        con.execute("BEGIN")
        for i, (proc, tree) in enumerate(statements):
            sql, names = to_duckdb(tree, procedure_params=proc.param_types)
            bound = {n: Param(proc.param_types[n], params[n]).value for n in names}
            path = Path(tmp) / f"p{i}.json"
            con.execute("SET enable_profiling = 'json'")
            con.execute(f"SET profiling_output = '{path}'")
            t0 = time.perf_counter()
            con.execute(sql, bound)
            seconds = time.perf_counter() - t0
            con.execute("PRAGMA disable_profiling")
            prof = json.loads(path.read_text())
            ops: list[dict] = []
            _walk(prof.get("operator") or prof.get("children") or [], ops, 0)
            total = sum(o["timing"] for o in ops) or 1.0
            ops.sort(key=lambda o: -o["timing"])
            out.append(
                {
                    "statement": sql.split("(")[0][:60] if sql.upper().startswith("INSERT") else sql[:60],
                    "seconds": seconds,
                    "sql": sql,
                    "top": [{**o, "share": o["timing"] / total} for o in ops[:top]],
                }
            )
        con.execute("ROLLBACK")
    wh.close()
    return {"statements": out}


def _walk(nodes: list, out: list, depth: int) -> None:
    for node in nodes:
        name = node.get("operator_type") or node.get("type") or node.get("name") or "?"
        timing = float(node.get("operator_timing", node.get("timing", 0.0)) or 0.0)
        rows = node.get("operator_cardinality", node.get("intermediate_rows"))
        info = node.get("extra_info") or {}
        detail = ""
        if isinstance(info, dict):
            for key in (
                "Table",
                "Join Type",
                "Groups",
                "Aggregates",
                "Function",
                "Conditions",
                "Partition By",
                "Order By",
                "Expression",
                "Filters",
                "Projections",
            ):
                if key in info:
                    val = info[key]
                    val = ", ".join(val) if isinstance(val, list) else str(val)
                    detail += f"{key}: {val[:150]}; "
        out.append({"op": name, "timing": timing, "rows": rows, "depth": depth, "detail": detail.strip()})
        _walk(node.get("children") or [], out, depth + 1)


# ---------------------------------------------------------------------------------------------
# orchestration
# ---------------------------------------------------------------------------------------------
def parse_size(text: str) -> int:
    text = text.strip().upper()
    mult = {"K": 1_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * mult)


def human(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.consolidation", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one small size (200k rows, 30 days)")
    ap.add_argument("--sizes", help="comma-separated raw row targets, e.g. 1M,10M,50M")
    ap.add_argument("--days", help="comma-separated window lengths matching --sizes (default 30,60,90)")
    ap.add_argument("--profile", action="store_true", help="JSON-profile every procedure statement per size")
    ap.add_argument("--threads", type=int, help="DuckDB threads for every step (default: cores)")
    ap.add_argument("--memory-limit", help="DuckDB memory_limit for every step, e.g. 4GB (default 80%% of RAM)")
    ap.add_argument("--workdir", help="keep the DuckDB files here instead of a deleted temp dir")
    ap.add_argument("--json", help="also write all figures to this JSON file")
    args = ap.parse_args(argv)

    if args.quick:
        sizes = QUICK_SIZES
    elif args.sizes:
        rows = [parse_size(s) for s in args.sizes.split(",")]
        days = [int(d) for d in args.days.split(",")] if args.days else [30, 60, 90][: len(rows)]
        if len(days) < len(rows):
            days += [days[-1]] * (len(rows) - len(days))
        sizes = list(zip(rows, days, strict=False))
    else:
        sizes = DEFAULT_SIZES

    common = []
    if args.threads:
        common += ["--threads", str(args.threads)]
    if args.memory_limit:
        common += ["--memory-limit", args.memory_limit]

    base = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="genai-bench-consolidation-"))
    base.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    sql_info = snapshot_sql(base / "sql")
    print(
        f"# consolidation benchmark  (DuckDB file under {base}; each step in a fresh subprocess; "
        f"sql/ at {sql_info.get('git_head', '?')}{' + uncommitted edits' if sql_info.get('sql_dirty') else ''}, "
        f"snapshotted for the whole run)"
    )
    try:
        for rows, days in sizes:
            db = base / f"bench_{human(rows)}_{days}d.duckdb"
            for p in base.glob(db.name + "*"):
                p.unlink()
            start = END_DATE - dt.timedelta(days=days)
            print(f"\n## {human(rows)} raw rows target, {days} days ({start} .. {END_DATE})", flush=True)
            gen = run_child("bench.consolidation", ["_step", "generate", db, rows, days, *common])
            print(
                f"generate: {gen['rows']:,} raw rows, {gen['combinations']:,} combinations, {gen['models']} models, "
                f"{gen['projects']} projects, {gen['api_keys']} api keys in {gen['seconds']:.1f}s "
                f"(file {gen['db_mib']:.0f} MiB)",
                flush=True,
            )
            size = {"target_rows": rows, "days": days, "generate": gen, "steps": {}}
            for step in ("floor", "sp1", "sp2", "sp3", "writes"):
                res = run_child("bench.consolidation", ["_step", step, db, start, END_DATE, *common])
                size["steps"][step] = res
                if "skipped" in res:
                    print(f"{step}: skipped - {res['skipped']}", flush=True)
                    continue
                extra = (
                    f", {res['unpriced_rows']:,} unpriced {res['unpriced_by_provider']}"
                    if "unpriced_rows" in res
                    else ""
                )
                if "transpile_seconds" in res:
                    extra += f"; parse+transpile {res['transpile_seconds']:.2f}s cpu, once per process (not counted)"
                cost = f", cost ${res['cost_usd']:,.2f}" if res.get("cost_usd") is not None else ""
                print(
                    f"{step:>5}: {res['seconds']:8.2f}s wall, {res.get('cpu_seconds', 0):8.2f}s cpu, "
                    f"peak RSS {res['peak_rss_mib']:6.0f} MiB (before step {res['rss_before_mib']:.0f}), "
                    f"load {res.get('loadavg_1m')}  -> {res['out_rows']:,} rows{extra}{cost}",
                    flush=True,
                )
            s = size["steps"]
            procs = sum(s[k]["seconds"] for k in STEPS)
            procs_cpu = sum(s[k]["cpu_seconds"] for k in STEPS)
            size["ratio"] = procs / s["floor"]["seconds"]
            size["cpu_ratio"] = procs_cpu / s["floor"]["cpu_seconds"]
            size["writes_ratio"] = s["writes"]["cpu_seconds"] / s["floor"]["cpu_seconds"]
            print(
                f"ratio (sp1+sp2+sp3) / floor: cpu {procs_cpu:.2f}s / {s['floor']['cpu_seconds']:.2f}s = "
                f"{size['cpu_ratio']:.2f}x, wall {procs:.2f}s / {s['floor']['seconds']:.2f}s = {size['ratio']:.2f}x "
                f"[settings {s['sp1']['settings']}]; writing the same rows alone: "
                f"cpu {s['writes']['cpu_seconds']:.2f}s = {size['writes_ratio']:.2f}x floor",
                flush=True,
            )
            if args.profile:
                size["profile"] = {}
                for step in STEPS:
                    prof = run_child("bench.consolidation", ["_step", f"profile-{step}", db, start, END_DATE, *common])
                    size["profile"][step] = prof
                    print_profile(step, prof)
            results.append(size)
            if not args.workdir:
                for p in base.glob(db.name + "*"):
                    p.unlink()
    finally:
        if not args.workdir:
            shutil.rmtree(base, ignore_errors=True)

    print("\n## summary\n")
    rows_out = []
    for size in results:
        s = size["steps"]
        for step in ("floor", "sp1", "sp2", "sp3", "writes"):
            rows_out.append(
                [
                    f"{size['generate']['rows']:,} / {size['days']}d",
                    step,
                    s[step]["seconds"],
                    s[step].get("cpu_seconds", float("nan")),
                    s[step]["peak_rss_mib"],
                    s[step]["out_rows"],
                ]
            )
        rows_out.append(
            [
                f"{size['generate']['rows']:,} / {size['days']}d",
                "sp1+sp2+sp3",
                sum(s[k]["seconds"] for k in STEPS),
                sum(s[k].get("cpu_seconds", float("nan")) for k in STEPS),
                max(s[k]["peak_rss_mib"] for k in STEPS),
                f"cpu {size['cpu_ratio']:.2f}x floor (wall {size['ratio']:.2f}x)",
            ]
        )
    print(table(["raw rows / window", "step", "wall s", "cpu s", "peak RSS MiB", "rows written"], rows_out))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


def print_profile(step: str, prof: dict) -> None:
    print(f"\nprofile {step}:")
    for st in prof["statements"]:
        print(f"  {st['seconds']:7.2f}s  {st['statement']}")
        for o in st["top"][:6]:
            print(
                f"      {o['share'] * 100:5.1f}%  {o['timing']:7.2f}s cpu  {o['op']:<24} rows={o['rows']}  "
                f"{o['detail'][:140]}"
            )


def child(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("step")
    ap.add_argument("db", type=Path)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--memory-limit")
    args = ap.parse_args(argv)
    if args.step == "generate":
        res = step_generate(args.db, int(args.a), int(args.b), args.threads, args.memory_limit)
    elif args.step.startswith("profile-"):
        res = step_profile(
            args.step.split("-", 1)[1],
            args.db,
            dt.date.fromisoformat(args.a),
            dt.date.fromisoformat(args.b),
            args.threads,
            args.memory_limit,
        )
    else:
        res = step_run(
            args.step,
            args.db,
            dt.date.fromisoformat(args.a),
            dt.date.fromisoformat(args.b),
            args.threads,
            args.memory_limit,
        )
    emit(res)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_step":
        sys.exit(child(sys.argv[2:]))
    sys.exit(main())
