"""Hash every table and view of an organization's embedded dataset, to prove a refactor left outputs unchanged.

    python -m tools.output_hashes hash   --data-dir /tmp/before --org demo --json /tmp/before.json
    python -m tools.output_hashes replay --from /tmp/before --to /tmp/after --start 2026-11-02 --end 2026-12-02
    python -m tools.output_hashes compare /tmp/before.json /tmp/after.json

``hash``: per relation, the row count and the MD5 of its rows sorted as text, with the columns
that record *when* or *by which run* something happened left out (they differ on every run).
The run ledger is left out entirely. Each column is also hashed on its own (its sorted values),
so a difference is narrowed to the columns that changed.

``replay``: copies a warehouse that ``make run`` produced with the old code, re-onboards it with
the current code (new tables, views and procedures; seeds) and consolidates the same window
again: the raw data stays byte-identical, so any difference comes from the SQL alone.

``compare``: exits 1 on any difference and names the columns that differ. ``hash --ignore-columns``
leaves the named columns out of the row hashes (to show that nothing but those columns changed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
# When or by which run a row was written: different on every run by design.
RUN_COLUMNS = {
    "consolidated_at",
    "ingested_at",
    "run_id",
    "x_ConvertedAt",
    "created_at",
    "updated_at",
    "event_at",
    "last_success_at",
    "last_failure_at",
}
SKIPPED_RELATIONS = {"genai_ingestion_runs", "_embedded_routines"}
# Comma-separated lists aggregated without an order: compared as sorted lists.
UNORDERED_LISTS = {("genai_pricing_coverage", "unpriced_models")}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _relations(con: duckdb.DuckDBPyConnection, schema: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = $s ORDER BY table_name",
        {"s": schema},
    ).fetchall()


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $s AND table_name = $t "
        "ORDER BY ordinal_position",
        {"s": schema, "t": table},
    ).fetchall()
    return [r[0] for r in rows]


def _sorted_md5(con: duckdb.DuckDBPyConnection, source: str, expression: str) -> str:
    row = con.execute(
        f"SELECT md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) FROM (SELECT {expression} AS r FROM {source})"
    ).fetchone()
    return row[0] if row else ""


def hash_dataset(db: Path, org: str, ignore: set[str] = frozenset()) -> dict[str, dict]:
    schema = f"{org}_prod"
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    out: dict[str, dict] = {}
    try:
        for name, kind in _relations(con, schema):
            if name in SKIPPED_RELATIONS:
                continue
            source = f"{_quote(schema)}.{_quote(name)}"
            columns = [c for c in _columns(con, schema, name) if c not in RUN_COLUMNS]
            value = {
                c: f"list_sort(string_split({_quote(c)}, ', '))" if (name, c) in UNORDERED_LISTS else _quote(c)
                for c in columns
            }
            kept = [c for c in columns if c not in ignore]
            row_expr = (
                "CAST(struct_pack(" + ", ".join(f"{_quote(c)} := {value[c]}" for c in kept) + ") AS VARCHAR)"
                if kept
                else "''"
            )
            out[name] = {
                "kind": "view" if kind == "VIEW" else "table",
                "rows": con.execute(f"SELECT count(*) FROM {source}").fetchone()[0],
                "hash": _sorted_md5(con, source, row_expr),
                "columns": {c: _sorted_md5(con, source, f"CAST({value[c]} AS VARCHAR)") for c in columns},
            }
    finally:
        con.close()
    return out


def replay(source_dir: Path, target_dir: Path, org: str, start: dt.date, end: dt.date) -> None:
    """Copy ``source_dir``'s warehouse, re-onboard with the current code and consolidate [start, end)."""
    if target_dir.exists():
        shutil.rmtree(target_dir)
    target_dir.mkdir(parents=True)
    for path in source_dir.glob("warehouse.duckdb*"):
        shutil.copy2(path, target_dir / path.name)
    sys.path.insert(0, str(ROOT / "functions"))
    from genai_costs.consolidation import consolidate
    from genai_costs.model.messages import ConsolidateMessage
    from genai_costs.onboarding import OnboardRequest, onboard
    from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

    with DuckDBWarehouse(target_dir / "warehouse.duckdb") as warehouse:
        onboard(warehouse, OnboardRequest(org_slug=org))
        consolidate(ConsolidateMessage(org_slug=org, start_date=start, end_date=end), warehouse=warehouse)


def compare(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    problems = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a is None or b is None:
            problems.append(f"{name}: only {'after' if a is None else 'before'}")
            continue
        if (a["rows"], a["hash"]) == (b["rows"], b["hash"]):
            continue
        changed = sorted(c for c in set(a["columns"]) | set(b["columns"]) if a["columns"].get(c) != b["columns"].get(c))
        problems.append(f"{name}: rows {a['rows']} -> {b['rows']}; columns that differ: {', '.join(changed) or '-'}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.output_hashes", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    h = sub.add_parser("hash")
    h.add_argument("--data-dir", type=Path, required=True)
    h.add_argument("--org", default="demo")
    h.add_argument("--ignore-columns", default="")
    h.add_argument("--json", type=Path)
    r = sub.add_parser("replay")
    r.add_argument("--from", dest="source", type=Path, required=True)
    r.add_argument("--to", dest="target", type=Path, required=True)
    r.add_argument("--org", default="demo")
    r.add_argument("--start", type=dt.date.fromisoformat, required=True)
    r.add_argument("--end", type=dt.date.fromisoformat, required=True)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--only", help="comma-separated relations to compare (default: those in both files)")
    args = ap.parse_args(argv)

    if args.command == "hash":
        ignore = {c for c in args.ignore_columns.split(",") if c}
        result = hash_dataset(args.data_dir / "warehouse.duckdb", args.org, ignore)
        for name, info in result.items():
            print(f"{info['kind']:5} {name:42} {info['rows']:>8} rows  {info['hash']}")
        if args.json:
            args.json.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
        return 0
    if args.command == "replay":
        replay(args.source, args.target, args.org, args.start, args.end)
        print(f"replayed consolidation of {args.start}..{args.end} into {args.target}")
        return 0
    before, after = json.loads(args.before.read_text()), json.loads(args.after.read_text())
    if args.only:
        keep = set(args.only.split(","))
        before = {k: v for k, v in before.items() if k in keep}
        after = {k: v for k, v in after.items() if k in keep}
    problems = compare(before, after)
    for line in problems:
        print(line)
    same = [
        n
        for n in before
        if n in after and (before[n]["rows"], before[n]["hash"]) == (after[n]["rows"], after[n]["hash"])
    ]
    print(f"{len(same)} relations identical, {len(problems)} different")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
