"""Each fix-up closes a gap where plain sqlglot output gives a wrong answer on DuckDB."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
import sqlglot

from genai_costs.errors import SqlTranspileError
from genai_costs.warehouse.transpile import to_duckdb


def run(sql: str, params: dict | None = None, procedure_params=()):
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    text, names = to_duckdb(sqlglot.parse_one(sql, read="bigquery"), procedure_params=procedure_params)
    return con.execute(text, {n: (params or {})[n] for n in names}).fetchall()


def test_numeric_keeps_nine_decimals():
    # Plain sqlglot gives DECIMAL(18,3): 0.000000375 would become 0.000.
    assert run("SELECT CAST('0.000000375' AS NUMERIC) * 3") == [(Decimal("0.000001125"),)]
    assert run("SELECT CAST('12345678901234567890.123456789' AS NUMERIC)") == [
        (Decimal("12345678901234567890.123456789"),)
    ]


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT DATE_TRUNC(DATE '2024-03-17', MONTH)", dt.date(2024, 3, 1)),
        ("SELECT DATE_ADD(DATE '2024-02-28', INTERVAL 2 DAY)", dt.date(2024, 3, 1)),
        ("SELECT DATE_SUB(DATE '2024-03-01', INTERVAL 1 DAY)", dt.date(2024, 2, 29)),
    ],
)
def test_date_functions_return_dates(sql, expected):
    (value,) = run(sql)[0]
    assert type(value) is dt.date and value == expected


def test_week_starts_on_sunday():
    # 2024-03-20 is a Wednesday; BigQuery's week started Sunday 2024-03-17 (DuckDB: Monday 18th).
    assert run("SELECT DATE_TRUNC(DATE '2024-03-20', WEEK)") == [(dt.date(2024, 3, 17),)]


def test_dayofweek_is_one_based_from_sunday():
    assert run("SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-03-17'), EXTRACT(DAYOFWEEK FROM DATE '2024-03-23')") == [
        (1, 7)
    ]


def test_ddl_options_are_stripped():
    sql, _ = to_duckdb(
        sqlglot.parse_one(
            "CREATE TABLE t (d DATE, a NUMERIC) PARTITION BY d CLUSTER BY a OPTIONS(description='x')", read="bigquery"
        )
    )
    assert "PARTITION" not in sql and "CLUSTER" not in sql and "OPTIONS" not in sql
    assert "DECIMAL(38, 9)" in sql


def test_project_qualifier_dropped():
    sql, _ = to_duckdb(sqlglot.parse_one("SELECT * FROM `my-proj.acme_prod.t`", read="bigquery"))
    assert "my-proj" not in sql and "acme_prod" in sql


def test_named_query_params_and_procedure_params_are_bound():
    rows = run("SELECT @p_a + p_b", {"p_a": 1, "p_b": 2}, procedure_params=["p_b"])
    assert rows == [(3,)]


def test_timestamp_truncation_is_utc():
    assert run("SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-01 23:30:00+00', DAY)") == [
        (dt.datetime(2024, 3, 1, tzinfo=dt.UTC),)
    ]


@pytest.mark.parametrize(
    "sql, hint",
    [
        ("SELECT FARM_FINGERPRINT('a')", "SHA256"),
        ("SELECT ARRAY_AGG(x ORDER BY x LIMIT 1) FROM UNNEST([1, 2]) AS x", "ROW_NUMBER"),
        ("SELECT x, o FROM UNNEST([5]) AS x WITH OFFSET AS o", "ROW_NUMBER"),
        ("MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT ROW", "list the columns"),
    ],
)
def test_unsupported_constructs_fail_loudly(sql, hint):
    with pytest.raises(SqlTranspileError, match=hint):
        to_duckdb(sqlglot.parse_one(sql, read="bigquery"))


def test_hex_sha256_is_one_call_with_the_same_value():
    import hashlib

    sql, _ = to_duckdb(sqlglot.parse_one("SELECT TO_HEX(SHA256(CONCAT('a', '|', 'b'))) AS h", read="bigquery"))
    assert "UNHEX" not in sql.upper() and "SHA256(" in sql.upper()
    (value,) = duckdb.connect().execute(sql).fetchone()
    assert value == hashlib.sha256(b"a|b").hexdigest()
