"""Every SQL file is valid BigQuery as Google's own analyzer sees it.

ZetaSQL (the PyPI ``zetasql`` WebAssembly build), set up with BigQuery's language features, resolves
every name against the tables of ``sql/tables``, the views and table functions (registered as they
are analyzed) and the procedures' typed parameters, and type-checks every expression, INSERT column,
function and table function call.
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

# One worker runs this file: the analysis of sql/ and of its seeded copy (module and session fixtures) is done once.
pytestmark = pytest.mark.xdist_group("sql_report")

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
        starts = ("parameter p_start_date DATE", "parameter p_events_start_date DATE")  # events: widened window
        assert any(n.startswith(starts) for n in report.notes), report.notes


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
    "misspelled column in a table function body": Seed(
        "functions/genai_costs_infrastructure.sql",
        r"\bSUM\(gpu_hours\)",
        "SUM(gpu_hourz)",
        "Unrecognized name: gpu_hourz",
    ),
    # sp_genai_2 calls genai_costs_payg first, so its mismatch is what the statement reports.
    "wrong argument type at a table function call": Seed(
        "procedures/sp_genai_2_consolidate_costs_daily.sql",
        r"\bgenai_costs_payg\(p_org_slug, p_start_date, p_end_date\)",
        "genai_costs_payg(p_org_slug, p_start_date, CURRENT_TIMESTAMP())",
        "No matching signature for genai_costs_payg (argument types: STRING, DATE, TIMESTAMP)",
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
    # A view or function that fails analysis is not created, so what reads it fails too (as in BigQuery).
    broken_view = Path(seeded.files["misspelled column in a view"]).stem
    broken_function = Path(seeded.files["misspelled column in a table function body"]).stem
    missing = {broken_view: "Table not found: ", broken_function: "Table-valued function not found: "}
    readers = []
    for report in seeded.report.files:
        if report.file in seeded.files.values():
            continue
        text = (SQL_ROOT / report.file).read_text()
        for name, message in missing.items():
            if re.search(rf"\b{name}\b", text):
                readers.append(name)
                assert any(f.message.startswith(message + name) for f in report.findings), report.file
        before = {f.key for f in sql_report.file(report.file).findings}
        after = {f.key for f in report.findings if not any(f.message.startswith(m + n) for n, m in missing.items())}
        assert after == before, report.file
    assert broken_view in readers, f"nothing reads {broken_view}: the view's registration is not exercised"


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


# Table functions: analyzed with their typed parameters, registered for their callers ---------------

FUNCTIONS = {
    # Filters the partition column with its parameters: every call is filtered, whatever it passes.
    "f_window": """CREATE OR REPLACE TABLE FUNCTION f_window(p_org_slug STRING, p_start_date DATE, p_end_date DATE) AS
SELECT usage_date, provider, SUM(output_tokens) AS tokens FROM genai_usage_daily
WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
GROUP BY usage_date, provider""",
    # Reads a view, filtering the view's partition column.
    "a_from_view": "CREATE TABLE FUNCTION a_from_view(p_start_date DATE) AS\n"
    "SELECT day, tokens FROM v_daily WHERE day >= p_start_date",
    # Calls functions: analyzed after them, but onboarding creates functions in name order.
    "g_calls": "CREATE TABLE FUNCTION g_calls(p_start_date DATE) AS\n"
    "SELECT provider, tokens FROM f_window('acme', p_start_date, DATE_ADD(p_start_date, INTERVAL 1 DAY))\n"
    "UNION ALL SELECT provider, tokens FROM z_later(p_start_date)",
    "z_later": "CREATE TABLE FUNCTION z_later(p_start_date DATE) AS\n"
    "SELECT provider, output_tokens AS tokens FROM genai_usage_daily WHERE usage_date = p_start_date",
    # Leaves the filter to its callers, on the output column.
    "f_unfiltered": "CREATE TABLE FUNCTION f_unfiltered(p_provider STRING) AS\n"
    "SELECT usage_date, output_tokens FROM genai_usage_daily WHERE provider = p_provider",
    # Aggregates the partition column away: no call can ever filter it.
    "f_totals": "CREATE TABLE FUNCTION f_totals(p_provider STRING) AS\n"
    "SELECT provider, SUM(output_tokens) AS tokens FROM genai_usage_daily\n"
    "WHERE provider = p_provider GROUP BY provider",
    # The parameter is named like a column: BigQuery reads the column, so the filter is always true.
    "f_shadowed": "CREATE TABLE FUNCTION f_shadowed(provider STRING, p_start_date DATE) AS\n"
    "SELECT usage_date, output_tokens FROM genai_usage_daily WHERE usage_date >= p_start_date AND provider = provider",
    "f_duplicate": "CREATE TABLE FUNCTION f_duplicate(p_start_date DATE) AS\n"
    "SELECT usage_date, output_tokens AS usage_date FROM genai_usage_daily WHERE usage_date >= p_start_date",
    "f_any": "CREATE TABLE FUNCTION f_any(p_start_date ANY TYPE) AS\n"
    "SELECT usage_date FROM genai_usage_daily WHERE usage_date >= p_start_date",
    "f_broken": "CREATE TABLE FUNCTION f_broken(p_start_date DATE) AS\n"
    "SELECT usage_date, output_tokenz FROM genai_usage_daily WHERE usage_date >= p_start_date",
}
CALLS = {
    "window": "SELECT provider, tokens FROM f_window(@p_org_slug, @p_start_date, @p_end_date)",
    "wrong_type": "SELECT * FROM f_window('acme', DATE '2025-01-01', TIMESTAMP '2025-02-01 00:00:00')",
    "unknown_column": "SELECT tokenz FROM f_window('acme', DATE '2025-01-01', DATE '2025-02-01')",
    "unfiltered": "SELECT * FROM f_unfiltered('openai')",
    "filtered": "SELECT * FROM f_unfiltered('openai') WHERE usage_date >= @p_start_date",
    "broken": "SELECT * FROM f_broken(DATE '2025-01-01')",
}


def test_table_functions_are_analyzed_registered_and_checked_at_their_calls(tmp_path: Path) -> None:
    root = _mini_root(
        tmp_path,
        "views",
        "v_daily.sql",
        "CREATE VIEW v_daily AS\nSELECT usage_date AS day, provider, output_tokens AS tokens FROM genai_usage_daily",
    )
    # Onboarding creates the views first: a view cannot call a function.
    (root / "views" / "b_calls_function.sql").write_text(
        "CREATE VIEW b_calls_function AS SELECT provider, tokens FROM f_window('acme', CURRENT_DATE(), CURRENT_DATE())"
    )
    for folder, files in (("functions", FUNCTIONS), ("reports", CALLS)):
        (root / folder).mkdir()
        for name, sql in files.items():
            (root / folder / f"{name}.sql").write_text(sql)
    report = check(root)

    def messages(relative: str) -> list[str]:
        return [f.message for f in report.file(relative).findings]

    for relative in ("functions/f_window.sql", "functions/a_from_view.sql", "functions/z_later.sql"):
        assert messages(relative) == [], relative
    assert messages("functions/g_calls.sql") == [
        "calls table function z_later, which onboarding creates after g_calls (in name order, "
        "genai_costs.warehouse.sqlfiles.load_table_functions): BigQuery cannot create this function"
    ]
    assert messages("views/b_calls_function.sql") == [
        "calls table function f_window, which onboarding creates after the views "
        "(genai_costs.onboarding.onboard): BigQuery cannot create this view"
    ]
    assert (
        "registered table function f_window(p_org_slug STRING, p_start_date DATE, p_end_date DATE) (3 columns)"
        in report.file("functions/f_window.sql").notes
    )
    requirement = ": BigQuery requires one (requirePartitionFilter)"
    assert messages("functions/f_unfiltered.sql") == []
    assert any(
        n.endswith("; its callers must filter usage_date)") for n in report.file("functions/f_unfiltered.sql").notes
    )
    assert messages("functions/f_totals.sql") == [
        f"reads genai_usage_daily without a filter on usage_date{requirement}; "
        "the function does not output usage_date, so every call of it fails"
    ]
    assert messages("functions/f_shadowed.sql") == [
        "parameter provider is never read by the body: unused, or hidden by a column of the same name "
        "(BigQuery resolves a bare name to a column first)"
    ]
    assert messages("functions/f_duplicate.sql") == ["the function returns two columns named usage_date"]
    assert messages("functions/f_any.sql") == [
        "a templated table function (ANY TYPE / ANY TABLE parameter) is not analyzed: type its parameters"
    ]
    assert messages("functions/f_broken.sql") == ["Unrecognized name: output_tokenz; Did you mean output_tokens?"]
    # Callers: the window parameters are typed by the signature, the columns are the body's.
    assert messages("reports/window.sql") == []
    assert "@p_start_date DATE (inferred)" in report.file("reports/window.sql").notes
    assert messages("reports/wrong_type.sql") == [
        "No matching signature for f_window (argument types: STRING, DATE, TIMESTAMP)"
    ]
    assert messages("reports/unknown_column.sql") == ["Unrecognized name: tokenz; Did you mean tokens?"]
    assert messages("reports/unfiltered.sql") == [
        f"reads table function f_unfiltered without a filter on usage_date{requirement}"
    ]
    assert messages("reports/filtered.sql") == []
    assert messages("reports/broken.sql") == ["Table-valued function not found: f_broken"]


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
