"""FOCUS tables of an embedded warehouse written to Parquet the way a BigQuery export writes them:
NUMERIC stays a typed decimal, TIMESTAMP a UTC timestamp, and JSON columns become plain strings
(a native JSON column type makes the validator's format rules fail for reasons not in the data)."""

from __future__ import annotations

from pathlib import Path

import duckdb

FOCUS_TABLES = ("cost_data_standard_1_3", "contract_commitment_1_3")


def export_table(con: duckdb.DuckDBPyConnection, dataset: str, table: str, out: Path) -> Path:
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [dataset, table],
    ).fetchall()
    if not columns:
        raise ValueError(f"{dataset}.{table} does not exist")
    select = ", ".join(
        f'CAST("{name}" AS VARCHAR) AS "{name}"' if kind == "JSON" else f'"{name}"' for name, kind in columns
    )
    target = str(out).replace("'", "''")
    con.execute(f'COPY (SELECT {select} FROM "{dataset}"."{table}") TO \'{target}\' (FORMAT parquet)')
    return out


def export_focus_tables(warehouse_file: Path, dataset: str, out_dir: Path) -> dict[str, Path]:
    """Each FOCUS table of ``dataset`` as ``out_dir/<table>.parquet``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse_file), read_only=True) as con:
        return {table: export_table(con, dataset, table, out_dir / f"{table}.parquet") for table in FOCUS_TABLES}
