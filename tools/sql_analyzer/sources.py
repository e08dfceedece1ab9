"""What is analyzed: every SQL file under ``sql/``, what kind it is, and what it needs bound first.

- ``views/``: ``CREATE OR REPLACE VIEW``, then ``functions/``: ``CREATE OR REPLACE TABLE FUNCTION
  name(p_x TYPE, ...) AS <query>``. Analyzed first, views then functions, each after the ones it
  reads, as onboarding creates them (BigQuery resolves the query at creation: a function may read
  views, a view cannot call a function, and a function can call only functions whose names sort
  before its own, since onboarding creates them in name order); each view's output columns are
  registered as a table and each
  function's signature (typed parameters, output columns of its body) as a table function for
  everything analyzed after it. Inside a function body a bare ``p_x`` is the parameter, unless a
  column of that name is in scope: BigQuery, like ZetaSQL, resolves the column first.
- ``statements/``, ``checks/``, ``reports/``, ``provider_queries/``: one statement with ``@name`` query
  parameters. A parameter's type is declared by a comment anywhere in the file naming it and a
  BigQuery type, e.g. ``-- @p_start_date DATE`` or ``-- Parameters: @start_time TIMESTAMP (inclusive)``.
  An undeclared ``@p_x`` has the type of the procedure parameter ``p_x`` (the project gives a value
  one name and one type in statements and procedures: ``p_start_date DATE``); any other undeclared
  parameter is typed by ZetaSQL from how the statement uses it (reported as inferred).
- ``procedures/``: ``CREATE OR REPLACE PROCEDURE name(p_x TYPE, ...) BEGIN ... END``.
- Some statements are templates: ``target_table``, ``staging_table`` and the column slots
  ``window_date`` / ``key_column`` are bound through the AST by the application
  (``genai_costs.warehouse.identifiers``) before they run. They are analyzed once per binding the
  application uses, bound by the application's own binder and rendered as the BigQuery backend
  renders them, i.e. the exact text BigQuery receives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .bigquery import SCALAR_TYPE_NAMES

# In analysis order: views and table functions first (everything after may read them), then procedures
# (statements take their parameters' types from them).
KINDS = {
    "views": "view",
    "functions": "table function",
    "procedures": "procedure",
    "statements": "statement",
    "checks": "check",
    "reports": "report",
    "provider_queries": "provider query",
}

TABLE_SLOTS = ("target_table", "staging_table", "usage_staged", "quarantine_staged")
# The BigQuery backend stages rows in "_staging_<table>_<random>": the table's schema, unpartitioned
# (so no partition filter applies). The analyzer registers "_staging_<table>" for every table.
STAGING_PREFIX = "_staging_"
_DECLARED = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z][A-Za-z0-9]*)\b")
_COMMENT = re.compile(r"--(.*)$|#(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class SqlFile:
    path: Path
    relative: str  # e.g. "procedures/sp_genai_1_consolidate_usage_daily.sql"
    kind: str
    text: str


def discover(sql_root: Path) -> list[SqlFile]:
    """Every ``*.sql`` file of the analyzed folders, in analysis order (views and functions first)."""
    files = []
    for folder in KINDS:
        for path in sorted((sql_root / folder).glob("*.sql")):
            files.append(SqlFile(path, f"{folder}/{path.name}", KINDS[folder], path.read_text(encoding="utf-8")))
    return files


def unanalyzed(sql_root: Path) -> list[str]:
    """SQL files outside the analyzed folders (nested deeper, or in another folder): reported, never skipped."""
    stray = []
    for path in sql_root.rglob("*.sql"):
        parts = path.relative_to(sql_root).parts
        if len(parts) != 2 or parts[0] not in KINDS:
            stray.append("/".join(parts))
    return sorted(stray)


def declared_parameters(text: str) -> dict[str, str]:
    """``@name TYPE`` pairs written in the file's comments (only real BigQuery type names count)."""
    declared = {}
    for match in _COMMENT.finditer(text):
        comment = match[1] if match[1] is not None else match[2]
        for name, type_ in _DECLARED.findall(comment):
            if type_.upper() in SCALAR_TYPE_NAMES:
                declared[name] = type_.upper()
    return declared


@dataclass(frozen=True)
class Binding:
    """Names the application substitutes for a template's slots (tables, then columns)."""

    tables: Mapping[str, str]
    columns: Mapping[str, str]

    @property
    def label(self) -> str:
        pairs = {**self.tables, **self.columns}
        return ", ".join(f"{k}={v}" for k, v in pairs.items() if k not in ("staging_table", "usage_staged"))


def template_bindings(sql_root: Path, statement_name: str) -> list[Binding] | None:
    """The bindings the application uses for a template statement (None: not a known template).

    Mirrors the call sites: ``Warehouse.replace_windows`` binds ``window_delete`` / ``window_insert`` /
    ``window_assert_one_version`` / ``window_count`` to a table partitioned by ``usage_date`` and that
    column, and payg ingestion binds ``payg_assert_one_table_per_record`` to a provider's usage and
    quarantine staging copies; onboarding binds ``count_rows`` to every
    seeded table, ``seed_delete_non_custom`` / ``seed_insert_missing`` to the user's catalogs (only
    missing keys are added) and ``seed_delete_all`` / ``seed_insert_all`` to the reference tables it
    reloads whole. ``staging_table`` is bound to the table's staging copy (see ``STAGING_PREFIX``).
    """
    if statement_name in ("window_delete", "window_insert", "window_assert_one_version", "window_count"):
        # Both callers (ingestion/payg.py, ingestion/commitment.py) pass date_field="usage_date"; only
        # tables keyed by record_id can be written by window.
        return [
            Binding({"target_table": name, "staging_table": STAGING_PREFIX + name}, {"window_date": field})
            for name, field in _partitioned_tables(sql_root).items()
            if field == "usage_date" and "record_id" in _field_names(sql_root, name)
        ]
    if statement_name == "payg_assert_one_table_per_record":
        # ingestion/payg.py: the staging copies of one provider's usage and quarantine tables.
        return [
            Binding(
                {"usage_staged": STAGING_PREFIX + name, "quarantine_staged": STAGING_PREFIX + quarantine},
                {},
            )
            for name in _partitioned_tables(sql_root)
            if name.startswith("genai_payg_")
            and name.endswith("_usage")
            and (quarantine := name.removesuffix("_usage") + "_quarantine") in _partitioned_tables(sql_root)
        ]
    seeds = seed_tables()
    by_statement = {
        "count_rows": seeds,
        "seed_delete_non_custom": [s for s in seeds if not s.replace],
        "seed_insert_missing": [s for s in seeds if not s.replace],
        "seed_delete_all": [s for s in seeds if s.replace],
        "seed_insert_all": [s for s in seeds if s.replace],
    }
    if statement_name in by_statement:
        return [
            Binding({"target_table": s.table, "staging_table": STAGING_PREFIX + s.table}, {"key_column": s.key})
            for s in by_statement[statement_name]
        ]
    return None


@dataclass(frozen=True)
class SeededTable:
    table: str
    key: str
    replace: bool  # reloaded whole at onboarding (reference table) rather than only missing keys added


def seed_tables() -> list[SeededTable]:
    """The tables onboarding seeds, from ``genai_costs.seeds`` (``SEEDS``; older trees: ``SEED_FILES``)."""
    from genai_costs import seeds

    if hasattr(seeds, "SEEDS"):
        return [SeededTable(s.table, s.key, s.replace) for s in seeds.SEEDS]
    return [SeededTable(table, key, False) for table, key in seeds.SEED_FILES.values()]


def _partitioned_tables(sql_root: Path) -> dict[str, str]:
    tables = {}
    for path in sorted((sql_root / "tables").glob("*.json")):
        field = (json.loads(path.read_text()).get("timePartitioning") or {}).get("field")
        if field:
            tables[path.stem] = field
    return tables


def _field_names(sql_root: Path, table: str) -> set[str]:
    spec = json.loads((sql_root / "tables" / f"{table}.json").read_text())
    return {f["name"] for f in spec["schema"]["fields"]}


def bind_template(text: str, binding: Binding) -> str:
    """The statement as the application sends it to BigQuery once the slots are bound."""
    from genai_costs.warehouse.identifiers import bind_identifiers
    from genai_costs.warehouse.sqlfiles import parse_bigquery, split_statements, strip_comments

    (statement,) = split_statements(strip_comments(text))
    return bind_identifiers(parse_bigquery(statement), binding.tables, binding.columns).sql("bigquery")
