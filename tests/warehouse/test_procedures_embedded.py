"""A procedure with a DATE window and a MERGE runs on DuckDB and changes only its window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from genai_costs.errors import WarehouseError
from genai_costs.warehouse.sqlfiles import parse_procedure

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sql" / "procedures" / "sp_test_window_merge.sql"
D = dt.date


@pytest.fixture
def seeded(warehouse):
    con = warehouse.connection
    warehouse.create_dataset("acme_prod", description="test")
    con.execute("CREATE TABLE acme_prod.raw_usage (usage_date DATE, model VARCHAR, tokens BIGINT)")
    con.execute("CREATE TABLE acme_prod.daily_totals (usage_date DATE, model VARCHAR, cost_usd DECIMAL(38,9))")
    con.execute("""INSERT INTO acme_prod.raw_usage VALUES
        ('2024-03-01','a',10), ('2024-03-02','a',20), ('2024-03-02','b',5), ('2024-03-03','a',40)""")
    # Pre-existing totals: one outside the window (must survive), one stale inside (must go).
    con.execute("""INSERT INTO acme_prod.daily_totals VALUES
        ('2024-03-01','a',999), ('2024-03-02','zombie',1), ('2024-03-03','a',777)""")
    return warehouse


def totals(wh):
    return wh.connection.execute(
        "SELECT usage_date, model, cost_usd FROM acme_prod.daily_totals ORDER BY 1, 2"
    ).fetchall()


def test_window_merge_changes_only_the_window(seeded):
    proc = parse_procedure(FIXTURE)
    assert proc.param_types == {"p_start_date": "DATE", "p_end_date": "DATE", "p_factor": "NUMERIC"}
    seeded.call_procedure(
        "acme_prod",
        proc,
        {"p_start_date": D(2024, 3, 2), "p_end_date": D(2024, 3, 3), "p_factor": Decimal("0.000000001")},
    )
    assert totals(seeded) == [
        (D(2024, 3, 1), "a", Decimal("999")),  # before the window: untouched
        (D(2024, 3, 2), "a", Decimal("0.000000020")),  # nine decimals kept
        (D(2024, 3, 2), "b", Decimal("0.000000005")),
        (D(2024, 3, 3), "a", Decimal("777")),  # after the window: untouched
    ]
    before = totals(seeded)
    seeded.call_procedure(
        "acme_prod",
        proc,
        {"p_start_date": D(2024, 3, 2), "p_end_date": D(2024, 3, 3), "p_factor": Decimal("0.000000001")},
    )
    assert totals(seeded) == before  # idempotent


def test_failing_procedure_rolls_back_everything(seeded):
    proc = parse_procedure(FIXTURE)
    before = totals(seeded)
    # 20 tokens x 1e28 overflows NUMERIC's 29 integer digits half-way through the MERGE.
    with pytest.raises(WarehouseError, match="rolled back"):
        seeded.call_procedure(
            "acme_prod", proc, {"p_start_date": D(2024, 3, 2), "p_end_date": D(2024, 3, 3), "p_factor": Decimal("1e28")}
        )
    assert totals(seeded) == before


def test_parameters_must_match_the_declaration(seeded):
    proc = parse_procedure(FIXTURE)
    with pytest.raises(WarehouseError, match="missing"):
        seeded.call_procedure("acme_prod", proc, {"p_start_date": D(2024, 3, 2)})


def test_replace_window_is_atomic_and_bounded(warehouse):
    from genai_costs.warehouse.tables import TableSpec

    spec = TableSpec.model_validate(
        {
            "description": "t",
            "schema": {
                "fields": [
                    {"name": "record_id", "type": "STRING", "mode": "REQUIRED", "description": "id"},
                    {"name": "usage_date", "type": "DATE", "mode": "REQUIRED", "description": "day"},
                    {"name": "tokens", "type": "INT64", "description": "tokens"},
                ]
            },
        }
    ).model_copy(update={"name": "raw"})
    warehouse.create_dataset("acme_prod", description="t")
    warehouse.create_table("acme_prod", spec)
    warehouse.load_rows(
        "acme_prod", spec, [{"record_id": f"r{d}", "usage_date": D(2024, 1, d), "tokens": d} for d in (1, 2, 3)]
    )
    warehouse.replace_window(
        "acme_prod",
        spec,
        [{"record_id": "r2", "usage_date": D(2024, 1, 2), "tokens": 200}],
        date_field="usage_date",
        start=D(2024, 1, 2),
        end=D(2024, 1, 3),
    )
    rows = lambda: warehouse.query("acme_prod", "SELECT usage_date, tokens FROM raw ORDER BY 1")  # noqa: E731
    assert [r["tokens"] for r in rows()] == [1, 200, 3]
    # A row outside the window aborts the whole replace; nothing changes.
    with pytest.raises(WarehouseError, match="outside window"):
        warehouse.replace_window(
            "acme_prod",
            spec,
            [
                {"record_id": "r2", "usage_date": D(2024, 1, 2), "tokens": 5},
                {"record_id": "r3", "usage_date": D(2024, 1, 3), "tokens": 5},
            ],
            date_field="usage_date",
            start=D(2024, 1, 2),
            end=D(2024, 1, 3),
        )
    assert [r["tokens"] for r in rows()] == [1, 200, 3]


def test_memory_limit_setting_reaches_duckdb(tmp_path, monkeypatch):
    from genai_costs.settings import get_settings
    from genai_costs.warehouse import open_warehouse

    monkeypatch.setenv("GENAI_COSTS_DUCKDB_MEMORY_LIMIT", "512MiB")
    get_settings.cache_clear()
    with open_warehouse(get_settings()) as wh:
        (limit,) = wh.connection.execute("SELECT current_setting('memory_limit')").fetchone()
    assert limit.replace(" ", "") in ("512.0MiB", "512MiB", "536.8MB", "536.9MB")
