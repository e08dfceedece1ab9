"""Every SQL file is valid BigQuery as Google's own analyzer sees it.

ZetaSQL (the PyPI ``zetasql`` WebAssembly build), set up with BigQuery's language features, resolves
every name against the tables of ``sql/tables``, the views (registered as they are analyzed) and the
procedures' typed parameters, and type-checks every expression, INSERT column and function call.
A copy of ``sql/`` with seeded mistakes proves the check catches each kind of mistake.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.sql_analyzer.bigquery import analyzer_options, scalar_type
from tools.sql_analyzer.catalog import Catalog, load_table_files
from tools.sql_analyzer.checker import BILLING_EXPORT_PLACEHOLDER, BILLING_EXPORT_SCHEMA, Report, check
from tools.sql_analyzer.engine import AnalyzerError, zetasql
from tools.sql_analyzer.sources import KINDS, seed_tables

from .conftest import SQL_ROOT

# Findings in today's sql/ accepted on this branch: (file, statement, message) -> why. A real BigQuery
# error listed here is to be fixed in sql/ by the lead on merge; an analyzer limitation says why
# BigQuery accepts the statement. Any other finding fails the suite. The current tree has none, e.g.
#   ("procedures/sp_x.sql", "statement 3 (InsertStatement)", "Function not found: CONTAINS_SUBSTR"):
#       "analyzer limitation: a BigQuery function missing from ZetaSQL's library",
KNOWN_FINDINGS: dict[tuple[str, str, str], str] = {}

SQL_FILES = sorted(f"{folder}/{p.name}" for folder in KINDS for p in (SQL_ROOT / folder).glob("*.sql"))


def test_every_sql_file_is_analyzed(sql_report: Report) -> None:
    assert sorted(r.file for r in sql_report.files) == SQL_FILES
    assert sql_report.stray_files == [], "SQL outside views/, procedures/, statements/, checks/, reports/, ..."
    for folder in KINDS:
        assert any(f.startswith(f"{folder}/") for f in SQL_FILES), f"no SQL files in sql/{folder}"


@pytest.mark.parametrize("relative", SQL_FILES)
def test_file_is_valid_bigquery(sql_report: Report, relative: str) -> None:
    report = sql_report.file(relative)
    assert report.statements >= 1
    new = [str(f) for f in report.findings if f.key not in KNOWN_FINDINGS]
    assert not new, "ZetaSQL (BigQuery settings) rejects:\n" + "\n".join(new)


def test_known_findings_are_still_found(sql_report: Report) -> None:
    found = {f.key for f in sql_report.findings}
    fixed = [key for key in KNOWN_FINDINGS if key not in found]
    assert not fixed, f"no longer reported, remove from KNOWN_FINDINGS: {fixed}"


def test_procedure_bodies_are_analyzed_statement_by_statement(sql_report: Report) -> None:
    for report in (r for r in sql_report.files if r.kind == "procedure"):
        # CREATE PROCEDURE itself and at least one write (no transaction control: the caller's
        # transaction wraps every procedure and the checks).
        assert report.statements >= 2, report.file
        assert any(n.startswith("parameter p_start_date DATE") for n in report.notes), report.notes


def test_statement_parameters_are_typed(sql_report: Report) -> None:
    # Declared in the file's comments (the provider queries' "@start_time TIMESTAMP" header) ...
    assert "@start_time TIMESTAMP (declared)" in sql_report.file("provider_queries/gcp_billing_export_genai.sql").notes
    # ... or, for a @p_x parameter, the type of the procedures' p_x (how the application binds windows).
    assert "@p_start_date DATE (as in the procedures)" in sql_report.file("checks/focus_matches_unified.sql").notes
    assert "@p_end_date DATE (as in the procedures)" in sql_report.file("reports/daily_cost.sql").notes


def test_templates_are_analyzed_once_per_binding_the_application_uses(sql_report: Report) -> None:
    # Window writes go to the tables partitioned by usage_date and keyed by record_id.
    by_usage_date = [
        spec
        for spec in (json.loads(p.read_text()) for p in (SQL_ROOT / "tables").glob("*.json"))
        if (spec.get("timePartitioning") or {}).get("field") == "usage_date"
        and "record_id" in {f["name"] for f in spec["schema"]["fields"]}
    ]
    assert sql_report.file("statements/window_delete.sql").statements == len(by_usage_date) > 10
    catalogs = [s for s in seed_tables() if not s.replace]
    assert sql_report.file("statements/seed_insert_missing.sql").statements == len(catalogs) >= 2
    assert sql_report.file("statements/count_rows.sql").statements == len(seed_tables())


# Seeded mistakes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    files: str  # glob under sql/: the first file (sorted) where ``pattern`` matches is seeded
    pattern: str  # its first match is replaced
    replacement: str
    expected: str  # part of the finding ZetaSQL must report in that file


SEEDS = {
    "misspelled column in a view": Seed(
        "views/genai_cost_daily.sql", r"\bproject_id\b", "projct_id", "Unrecognized name: projct_id"
    ),
    "STRING added to a NUMERIC": Seed(
        "statements/catalog_listing.sql",
        r"\binput_price_per_1k \* 1000\b",
        "input_price_per_1k + model_id",
        "No matching signature for operator + (argument types: NUMERIC, STRING)",
    ),
    "unknown function in a procedure body": Seed("procedures/*.sql", r"\bSUM\(", "SUMM(", "Function not found: SUMM"),
    "wrong procedure parameter type": Seed(
        "procedures/*.sql",
        r"\bp_org_slug STRING\b(?=[\s\S]*\borg_slug = p_org_slug\b)",  # a procedure comparing it to a column
        "p_org_slug INT64",
        "No matching signature for operator = for argument types: STRING, INT64",
    ),
    "wrong declared query parameter type": Seed(
        "provider_queries/gcp_billing_export_genai.sql",
        r"(@start_time\s+)TIMESTAMP\b",
        r"\1DATE",
        "No matching signature for operator >= for argument types: TIMESTAMP, DATE",
    ),
    "read of a table that requires a partition filter, without one": Seed(
        "reports/unpriced_models.sql",
        r"\busage_date >= @p_start_date AND usage_date < @p_end_date AND ",
        "",
        "reads genai_costs_daily_unified without a filter on usage_date: BigQuery requires one",
    ),
    # reported_usd exists only as an output column of the view genai_reconciliation_daily.
    "misspelled view column in a report": Seed(
        "reports/reconciliation_by_provider.sql",
        r"\breported_usd\b",
        "reported_usdd",
        "Unrecognized name: reported_usdd",
    ),
}


@dataclass(frozen=True)
class Seeded:
    report: Report
    files: dict[str, str]  # seed -> the file it changed (relative to sql/)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    root = tmp_path_factory.mktemp("seeded") / "sql"
    shutil.copytree(SQL_ROOT, root)
    files = {}
    for what, seed in SEEDS.items():
        for path in sorted(root.glob(seed.files)):
            relative = str(path.relative_to(root))
            if relative in files.values():
                continue  # one mistake per file, so each finding is attributable
            text, replaced = re.subn(seed.pattern, seed.replacement, path.read_text(), count=1)
            if replaced:
                path.write_text(text)
                files[what] = relative
                break
        assert what in files, f"seed '{what}' matches no file in sql/{seed.files}: choose another spot"
    return Seeded(check(root), files)


@pytest.mark.parametrize("what", SEEDS)
def test_seeded_mistake_is_caught(seeded: Seeded, what: str) -> None:
    messages = [f.message for f in seeded.report.file(seeded.files[what]).findings]
    assert any(SEEDS[what].expected in m for m in messages), messages


def test_seeded_mistakes_change_nothing_else(seeded: Seeded, sql_report: Report) -> None:
    broken_view = Path(seeded.files["misspelled column in a view"]).stem
    missing_view = f"Table not found: {broken_view}"
    readers = []
    for report in seeded.report.files:
        if report.file in seeded.files.values():
            continue
        # A view that fails analysis is not created, so what reads it fails too (as in BigQuery).
        if re.search(rf"\b{broken_view}\b", (SQL_ROOT / report.file).read_text()):
            readers.append(report.file)
            assert any(f.message.startswith(missing_view) for f in report.findings), report.file
        before = {f.key for f in sql_report.file(report.file).findings}
        after = {f.key for f in report.findings if not f.message.startswith(missing_view)}
        assert after == before, report.file
    assert readers, f"nothing reads {broken_view}: the view's registration is not exercised"


# Scripts inside procedures, and templates the checker does not know ------------------------------


def _mini_root(tmp_path: Path, folder: str, name: str, sql: str) -> Path:
    (tmp_path / "tables").mkdir()
    shutil.copy(SQL_ROOT / "tables" / "genai_usage_daily.json", tmp_path / "tables")
    (tmp_path / folder).mkdir()
    (tmp_path / folder / name).write_text(sql)
    return tmp_path


SCRIPT = """
CREATE OR REPLACE PROCEDURE sp_script(p_start_date DATE, p_end_date DATE)
BEGIN
  DECLARE v_days INT64 DEFAULT DATE_DIFF(p_end_date, p_start_date, DAY);
  DECLARE v_label DEFAULT 'window';
  CREATE TEMP TABLE tmp_window AS
  SELECT usage_date, SUM(output_tokens) AS tokens FROM genai_usage_daily
  WHERE usage_date >= p_start_date AND usage_date < p_end_date GROUP BY usage_date;
  IF v_days > 31 THEN
    SET v_label = CONCAT(v_label, ' (long)');
    SELECT tokens + v_days, v_label FROM tmp_window;
  ELSE
    BEGIN
      SELECT {column} FROM tmp_window;
    EXCEPTION WHEN ERROR THEN
      SELECT @@error.message;
    END;
  END IF;
  DROP TABLE tmp_window;
  {after_drop}
END;
"""


def test_procedure_scripts_are_followed_through_blocks_variables_and_temp_tables(tmp_path: Path) -> None:
    root = _mini_root(tmp_path, "procedures", "sp_script.sql", SCRIPT.format(column="tokens", after_drop=""))
    report = check(root).file("procedures/sp_script.sql")
    assert report.findings == []
    assert report.statements == 9  # CREATE PROCEDURE + 8 statements, through IF / BEGIN / EXCEPTION
    assert {"variable v_days INT64", "variable v_label STRING"} <= set(report.notes)


def test_mistakes_deep_inside_a_procedure_script_are_caught(tmp_path: Path) -> None:
    sql = SCRIPT.format(column="tokenz", after_drop="SELECT * FROM tmp_window;")
    report = check(_mini_root(tmp_path, "procedures", "sp_script.sql", sql)).file("procedures/sp_script.sql")
    assert [(f.line, f.message) for f in report.findings] == [
        (14, "Unrecognized name: tokenz; Did you mean tokens?"),  # inside ELSE -> BEGIN ... EXCEPTION
        (20, "Table not found: tmp_window"),  # read after DROP TABLE
    ]


def test_an_insert_that_leaves_a_required_column_without_a_value_is_caught(tmp_path: Path) -> None:
    sql = (
        "INSERT INTO genai_usage_daily (usage_id, org_slug, usage_date, provider) SELECT 'u', 'o', CURRENT_DATE(), 'x'"
    )
    root = _mini_root(tmp_path, "statements", "partial_insert.sql", sql)
    (finding,) = check(root).file("statements/partial_insert.sql").findings
    assert finding.message.startswith("INSERT into genai_usage_daily leaves REQUIRED column(s) cache_write_1h_tokens,")
    assert "raw_row_count" in finding.message


def _partition_root(tmp_path: Path, reports: dict[str, str]) -> Path:
    root = _mini_root(tmp_path, "views", "v_union.sql", "CREATE VIEW v_union AS\n" + UNION)
    shutil.copy(SQL_ROOT / "tables" / "genai_payg_openai_usage.json", root / "tables")
    shutil.copy(SQL_ROOT / "tables" / "genai_payg_anthropic_usage.json", root / "tables")
    (root / "views" / "v_totals.sql").write_text(
        "CREATE VIEW v_totals AS SELECT provider, SUM(output_tokens) AS tokens FROM genai_usage_daily GROUP BY provider"
    )
    (root / "reports").mkdir()
    for name, sql in reports.items():
        (root / "reports" / f"{name}.sql").write_text(sql)
    return root


UNION = """SELECT usage_date AS day, provider, output_tokens FROM genai_payg_openai_usage
UNION ALL
SELECT usage_date, provider, output_tokens FROM genai_payg_anthropic_usage"""


def test_reads_of_tables_that_require_a_partition_filter_must_filter_it(tmp_path: Path) -> None:
    reports = {
        "unfiltered": "SELECT provider FROM genai_usage_daily WHERE provider = 'openai'",
        "through_a_cte": "WITH u AS (SELECT * FROM genai_usage_daily) SELECT provider FROM u WHERE usage_date = @d",
        "view_unfiltered": "SELECT provider FROM v_union",
        "view_filtered": "SELECT provider FROM v_union WHERE day >= @d",
    }
    report = check(_partition_root(tmp_path, reports))
    requirement = ": BigQuery requires one (requirePartitionFilter)"
    assert [f.message for f in report.file("reports/unfiltered.sql").findings] == [
        f"reads genai_usage_daily without a filter on usage_date{requirement}"
    ]
    assert report.file("reports/through_a_cte.sql").findings == []
    # A view is not run when created; its readers inherit the filter, on the view's own column name.
    assert report.file("views/v_union.sql").findings == []
    assert [f.message for f in report.file("reports/view_unfiltered.sql").findings] == [
        f"reads v_union without a filter on day{requirement}"
    ]
    assert report.file("reports/view_filtered.sql").findings == []
    # A view that aggregates the partition column away can never be filtered by its readers.
    (finding,) = report.file("views/v_totals.sql").findings
    assert finding.message.endswith("the view does not output usage_date, so every query of it fails")


def test_a_template_without_known_bindings_is_reported(tmp_path: Path) -> None:
    root = _mini_root(tmp_path, "statements", "new_template.sql", "SELECT COUNT(*) AS n FROM target_table\n")
    (finding,) = check(root).file("statements/new_template.sql").findings
    assert "template_bindings" in finding.message


def test_sql_outside_the_analyzed_folders_is_reported(tmp_path: Path) -> None:
    root = _mini_root(tmp_path, "scratch", "oops.sql", "SELECT 1\n")
    assert check(root).stray_files == ["scratch/oops.sql"]


# The dialect and the external table ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("SELECT 1 AS x FROM genai_usage_daily WHERE TRUE QUALIFY ROW_NUMBER() OVER () = 1", None),
        ("SELECT SAFE_DIVIDE(NUMERIC '1', 3), FORMAT_DATE('%Y', CURRENT_DATE()), 'a' || 1", None),
        ("SELECT CAST(1 AS INT32)", "Type not found: INT32"),  # not a BigQuery type (external mode)
        ("SELECT TYPEOF(1)", "Function not found: TYPEOF"),  # a ZetaSQL function BigQuery lacks
        ("SELECT 1 FROM genai_usage_daily WHERE usage_date >= @t", "argument types: DATE, TIMESTAMP"),
    ],
)
def test_the_analyzer_speaks_bigquery(sql: str, error: str | None) -> None:
    engine = zetasql()
    catalog = Catalog(engine, load_table_files(SQL_ROOT / "tables"))
    try:
        engine.analyze(sql, analyzer_options({"t": scalar_type("TIMESTAMP")}), catalog.registered_id())
        outcome = None
    except AnalyzerError as exc:
        outcome = exc.message
    finally:
        catalog.close()
    assert outcome == error if error is None else error in (outcome or ""), outcome


def _flatten(fields: list[dict], prefix: str = "") -> set[tuple[str, str, str]]:
    out = set()
    for f in fields:
        path = prefix + f["name"]
        out.add((path, f["type"].upper(), f.get("mode", "NULLABLE").upper()))
        out |= _flatten(f.get("fields") or [], path + ".")
    return out


def test_billing_export_table_matches_what_the_application_reads() -> None:
    from genai_costs.providers.gcp_billing_export import PLACEHOLDER
    from provider_sim.gcp_billing import SCHEMA

    assert BILLING_EXPORT_PLACEHOLDER == PLACEHOLDER
    ours = _flatten(json.loads(BILLING_EXPORT_SCHEMA.read_text())["schema"]["fields"])
    assert _flatten(SCHEMA) <= ours, "the simulator serves billing export columns the analyzer does not know"
