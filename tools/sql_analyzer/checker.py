"""Analyze every SQL file under ``sql/`` with ZetaSQL under BigQuery's settings, and report per file.

A procedure is analyzed twice over: the whole ``CREATE PROCEDURE`` (signature, body syntax), then
each statement of its body on its own, because ZetaSQL keeps a procedure body as unanalyzed
script text. The body's statements come from ZetaSQL's own script parser; control flow (blocks,
IF, loops, exception handlers) is descended into. Procedure parameters and DECLAREd variables are
typed catalog constants, so the body's bare ``p_x`` names resolve as BigQuery resolves them;
temporary tables a body creates are registered for the statements after them.

On top of ZetaSQL's errors, every analyzed statement is held to two BigQuery rules ZetaSQL does
not model: REQUIRED columns get a value on INSERT, and tables with ``requirePartitionFilter`` are
read through a filter on their partition column (``partition_filters``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf.message import Message
from zetasql.wasi._pb2.zetasql.public import type_pb2

from .bigquery import analyzer_options, language_options, scalar_type, type_name
from .catalog import Catalog, Table, load_table_files
from .engine import AnalyzerError, ZetaSQL, zetasql
from .partition_filters import unfiltered_scans, view_requirements
from .protos import byte_range, descendants, inherited, node_kind, unwrap, wrapper_path
from .sources import (
    STAGING_PREFIX,
    TABLE_SLOTS,
    SqlFile,
    bind_template,
    declared_parameters,
    discover,
    template_bindings,
    unanalyzed,
)

# The name sql/provider_queries/*.sql give the billing export table; the application substitutes the
# configured project.dataset.table for it (genai_costs.providers.gcp_billing_export.PLACEHOLDER).
BILLING_EXPORT_PLACEHOLDER = "__BILLING_EXPORT_TABLE__"
BILLING_EXPORT_SCHEMA = Path(__file__).with_name("billing_export_table.json")

_SCRIPT_ASSIGNMENTS = ("ASTVariableDeclarationProto", "ASTSingleAssignmentProto", "ASTAssignmentFromStructProto")


@dataclass(frozen=True)
class Finding:
    file: str  # relative to the sql root, e.g. "views/genai_cost_daily.sql"
    statement: str  # which statement of the file (or which template binding)
    message: str  # ZetaSQL's message, without its position
    line: int | None = None  # 1-based line in the file, when known

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity independent of line numbers (for allowlists)."""
        return self.file, self.statement, self.message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.statement}] {self.message}"


@dataclass
class FileReport:
    file: str
    kind: str
    statements: int = 0  # statements analyzed (a template counts once per binding)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # inferred parameter types, registered views
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class Report:
    files: list[FileReport]
    stray_files: list[str]  # SQL files no rule analyzes
    seconds: float

    @property
    def findings(self) -> list[Finding]:
        return [f for report in self.files for f in report.findings]

    def file(self, relative: str) -> FileReport:
        return next(r for r in self.files if r.file == relative)


def check(sql_root: Path, engine: ZetaSQL | None = None) -> Report:
    return Checker(sql_root, engine or zetasql()).run()


class Checker:
    def __init__(self, sql_root: Path, engine: ZetaSQL) -> None:
        self.root = sql_root
        self.engine = engine
        self.language = language_options()
        tables = load_table_files(sql_root / "tables")
        self.catalog = Catalog(engine, dict(tables))
        for name, table in tables.items():  # what templates' staging_table slot is bound to
            self.catalog.add_table(table.unpartitioned_copy(f"{STAGING_PREFIX}{name}"))
        self.catalog.add_table(_billing_export_table())
        self.catalog.add_table(_check_violations_table())
        # Procedure parameter types by name; None where two procedures disagree.
        self.procedure_parameters: dict[str, type_pb2.TypeProto | None] = {}

    def run(self) -> Report:
        started = time.perf_counter()
        files = discover(self.root)
        views = self._dependency_order([f for f in files if f.kind == "view"])
        reports = [self._check_file(f) for f in views + [f for f in files if f.kind != "view"]]  # kinds in order
        self.catalog.close()
        return Report(reports, unanalyzed(self.root), time.perf_counter() - started)

    def _check_file(self, file: SqlFile) -> FileReport:
        started = time.perf_counter()
        report = FileReport(file.relative, file.kind)
        if file.kind == "view":
            self._view(file, report)
        elif file.kind == "procedure":
            self._procedure(file, report)
        else:
            self._statement(file, report)
        report.seconds = time.perf_counter() - started
        return report

    # Views -----------------------------------------------------------------------------------------

    def _dependency_order(self, views: list[SqlFile]) -> list[SqlFile]:
        names = {f.path.stem.lower(): f for f in views}
        reads: dict[str, set[str]] = {}
        for name, view in names.items():
            try:
                tables = self.engine.table_names(view.text, self.language)
            except AnalyzerError:
                tables = []  # the analysis reports the syntax error
            reads[name] = {t.lower() for t in tables} & set(names) - {name}
        ordered: list[SqlFile] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if names[name] in ordered or name in visiting:
                return  # a cycle is left to the analyzer: the view read first is reported missing
            visiting.add(name)
            for dependency in sorted(reads[name]):
                visit(dependency)
            ordered.append(names[name])

        for name in sorted(names):
            visit(name)
        return ordered

    def _view(self, file: SqlFile, report: FileReport) -> None:
        report.statements = 1
        resolved = self._analyze(file, report, "CREATE VIEW", file.text, self.catalog)
        if resolved is None:
            return
        view = unwrap(resolved)
        name = inherited(view, "name_path")[-1]
        columns = _output_columns(view)
        hopeless, filters = view_requirements(resolved, self.catalog.partition_filters())
        for scan in hopeless:
            message = f"{scan.message()}; the view does not output {scan.column}, so every query of it fails"
            report.findings.append(Finding(file.relative, "CREATE VIEW", message))
        self.catalog.add_table(Table(name, columns, partition_filters=filters))
        readers = f"; its readers must filter {', '.join(filters)}" if filters else ""
        report.notes.append(f"registered view {name} ({len(columns)} columns{readers})")

    # Single statements -----------------------------------------------------------------------------

    def _statement(self, file: SqlFile, report: FileReport) -> None:
        in_file = {name: scalar_type(t) for name, t in declared_parameters(file.text).items()}
        as_procedures = {n: t for n, t in self.procedure_parameters.items() if t is not None and n not in in_file}
        options = analyzer_options(as_procedures | in_file, infer_parameters=True)
        try:
            slots = sorted({t.lower() for t in self.engine.table_names(file.text, self.language)} & set(TABLE_SLOTS))
        except AnalyzerError:
            slots = []  # the analysis below reports the syntax error
        if not slots:
            report.statements = 1
            resolved = self._analyze(file, report, "statement", file.text, self.catalog, options)
            if resolved is not None:
                self._note_parameters(resolved, in_file, as_procedures, report)
            return
        bindings = template_bindings(self.root, file.path.stem)
        if bindings is None:
            report.findings.append(
                Finding(
                    file.relative,
                    "template",
                    f"slots {', '.join(slots)} are bound by the application; add this template's bindings to "
                    "tools/sql_analyzer/sources.py:template_bindings",
                )
            )
            return
        if not bindings:
            report.findings.append(
                Finding(file.relative, "template", "the application binds no table to this template")
            )
        for binding in bindings:
            report.statements += 1
            bound = bind_template(file.text, binding)
            resolved = self._analyze(file, report, f"with {binding.label}", bound, self.catalog, options, lines=False)
            if resolved is not None:
                self._note_parameters(resolved, in_file, as_procedures, report)

    def _note_parameters(self, resolved: Message, in_file: dict, as_procedures: dict, report: FileReport) -> None:
        for parameter in descendants(resolved, "ResolvedParameterProto"):
            name = parameter.name
            origin = "declared" if name in in_file else "as in the procedures" if name in as_procedures else "inferred"
            note = f"@{name} {type_name(inherited(parameter, 'type'))} ({origin})"
            if note not in report.notes:
                report.notes.append(note)

    # Procedures ------------------------------------------------------------------------------------

    def _procedure(self, file: SqlFile, report: FileReport) -> None:
        report.statements = 1
        resolved = self._analyze(file, report, "CREATE PROCEDURE", file.text, self.catalog)
        if resolved is None:
            return  # a signature or syntax error: the body cannot be split reliably
        create = unwrap(resolved)
        catalog = self.catalog.copy()
        for name, argument in zip(create.argument_name_list, create.signature.argument, strict=True):
            catalog.add_constant(name, argument.type)
            report.notes.append(f"parameter {name} {type_name(argument.type)}")
            known = self.procedure_parameters.setdefault(name, argument.type)
            if known is not None and known != argument.type:
                self.procedure_parameters[name] = None
        script = self.engine.parse_script(file.text, self.language)
        (procedure,) = list(descendants(script, "ASTCreateProcedureStatementProto"))
        source = file.text.encode("utf-8")
        try:
            for number, node in enumerate(_body_statements(procedure.body.statement_list_node), start=1):
                report.statements += 1
                self._body_statement(file, report, catalog, source, number, node)
        finally:
            catalog.close()

    def _body_statement(
        self, file: SqlFile, report: FileReport, catalog: Catalog, source: bytes, number: int, node: Message
    ) -> None:
        start, end = byte_range(node)
        text = source[start:end].decode("utf-8")
        first_line = source[:start].count(b"\n") + 1
        label = f"statement {number} ({node_kind(node)})"
        kind = node.DESCRIPTOR.name
        if kind == "ASTVariableDeclarationProto":
            self._declare(file, report, catalog, source, first_line, label, node)
            return
        if kind in ("ASTSingleAssignmentProto", "ASTAssignmentFromStructProto"):
            expression = _slice(source, node.expression)
            self._analyze(file, report, label, f"SELECT ({expression})", catalog, first_line=first_line)
            return
        resolved = self._analyze(file, report, label, text, catalog, first_line=first_line)
        if resolved is not None:
            _track_tables(catalog, unwrap(resolved))

    def _declare(
        self,
        file: SqlFile,
        report: FileReport,
        catalog: Catalog,
        source: bytes,
        first_line: int,
        label: str,
        node: Message,
    ) -> None:
        names = [i.id_string for i in node.variable_list.identifier_list]
        variable_type: type_pb2.TypeProto | None = None
        if node.HasField("type"):
            probe = f"SELECT CAST(NULL AS {_slice(source, node.type)})"
            resolved = self._analyze(file, report, label, probe, catalog, first_line=first_line)
            variable_type = _output_columns(unwrap(resolved))[0][1] if resolved is not None else None
        if node.HasField("default_value"):
            probe = f"SELECT ({_slice(source, node.default_value)})"
            resolved = self._analyze(file, report, label, probe, catalog, first_line=first_line)
            if variable_type is None and resolved is not None:
                variable_type = _output_columns(unwrap(resolved))[0][1]
        for name in names:
            catalog.add_constant(name, variable_type or scalar_type("STRING"))
            report.notes.append(f"variable {name} {type_name(variable_type) if variable_type else '(unknown type)'}")

    # Shared ----------------------------------------------------------------------------------------

    def _analyze(
        self,
        file: SqlFile,
        report: FileReport,
        label: str,
        sql: str,
        catalog: Catalog,
        options=None,
        *,
        first_line: int = 1,
        lines: bool = True,
    ) -> Message | None:
        try:
            resolved = self.engine.analyze(sql, options or analyzer_options(), catalog.registered_id())
        except AnalyzerError as exc:
            line = first_line + exc.line - 1 if (lines and exc.line) else None
            report.findings.append(Finding(file.relative, label, exc.message, line))
            return None
        statement = unwrap(resolved)
        messages = list(_missing_required_columns(statement, catalog))
        if statement.DESCRIPTOR.name != "ResolvedCreateViewStmtProto":  # a view is checked when it is read
            messages += [u.message() for u in unfiltered_scans(resolved, catalog.partition_filters())]
        for message in messages:
            report.findings.append(Finding(file.relative, label, message, first_line if lines else None))
        return resolved


def _body_statements(statement_list: Message) -> Iterator[Message]:
    """The statements a script runs, in order: control-flow statements are replaced by their contents."""
    for wrapped in statement_list.statement_list:
        node = unwrap(wrapped)
        is_script = wrapper_path(wrapped)[:1] == ["ast_script_statement_node"]
        if is_script and node.DESCRIPTOR.name not in _SCRIPT_ASSIGNMENTS:
            for nested in descendants(node, "ASTStatementListProto"):
                yield from _body_statements(nested)
        else:
            yield node


def _slice(source: bytes, ast_node: Message) -> str:
    start, end = byte_range(unwrap(ast_node))
    return source[start:end].decode("utf-8")


def _output_columns(statement: Message) -> list[tuple[str, type_pb2.TypeProto]]:
    return [(c.name, c.column.type) for c in inherited(statement, "output_column_list")]


def _track_tables(catalog: Catalog, statement: Message) -> None:
    """Temporary tables a procedure creates (or drops) change what its later statements can read."""
    kind = statement.DESCRIPTOR.name
    if kind == "ResolvedCreateTableAsSelectStmtProto":
        catalog.add_table(Table(inherited(statement, "name_path")[-1], _output_columns(statement)))
    elif kind == "ResolvedCreateTableStmtProto":
        columns = [(c.name, c.type) for c in inherited(statement, "column_definition_list")]
        catalog.add_table(Table(inherited(statement, "name_path")[-1], columns))
    elif kind == "ResolvedDropStmtProto" and statement.object_type.upper() == "TABLE":
        catalog.drop_table(statement.name_path[-1])


def _missing_required_columns(statement: Message, catalog: Catalog) -> Iterator[str]:
    """A BigQuery rule ZetaSQL does not model: every row written must give each REQUIRED column a value,
    so an INSERT (or MERGE ... THEN INSERT) whose column list leaves one out fails in BigQuery."""
    kind = statement.DESCRIPTOR.name
    if kind == "ResolvedInsertStmtProto":
        inserts = [statement.insert_column_list]
    elif kind == "ResolvedMergeStmtProto":
        inserts = [w.insert_column_list for w in statement.when_clause_list if w.insert_column_list]
    else:
        return
    table = catalog.tables.get(statement.table_scan.table.name.lower())
    if table is None:
        return
    for columns in inserts:
        missing = table.required - {c.name.lower() for c in columns}
        if missing:
            yield (
                f"INSERT into {table.name} leaves REQUIRED column(s) {', '.join(sorted(missing))} without a value "
                "(BigQuery rejects NULL in a REQUIRED column)"
            )


def _check_violations_table() -> Table:
    """What genai_costs.conformance binds conformance_assert.sql's slot to: every check's rows, named."""
    return Table("check_violations", tuple((c, scalar_type("STRING")) for c in ("check_name", "row_id", "violation")))


def _billing_export_table() -> Table:
    return Table.from_spec(BILLING_EXPORT_PLACEHOLDER, json.loads(BILLING_EXPORT_SCHEMA.read_text()))
