"""Analyze every SQL file under ``sql/`` with ZetaSQL under BigQuery's settings, and report per file.

Views, then table functions, come first, each after the ones it reads: each is registered in the
catalog once analyzed (a view as a table of its output columns; a function with its resolved
signature), so that what reads them resolves against them. ZetaSQL analyzes a ``CREATE TABLE FUNCTION`` body with
the parameters as typed values (``ResolvedArgumentRef``); a parameter the body never reads is
reported, since a column of the same name silently takes its place in BigQuery.

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
from dataclasses import dataclass, field, replace
from pathlib import Path

from google.protobuf.message import Message
from zetasql.wasi._pb2.zetasql.public import type_pb2

from .bigquery import analyzer_options, language_options, scalar_type, type_name
from .catalog import Catalog, Table, TableFunction, load_table_files
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

RELATION_KINDS = ("view", "table function")  # analyzed first, registered for what comes after
# Not run when created: their partition filters are checked where they are read (partition_filters).
_CHECKED_WHEN_READ = ("ResolvedCreateViewStmtProto", "ResolvedCreateTableFunctionStmtProto")
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
        self.function_names: set[str] = set()  # the files of sql/functions/ (lower case)
        # Procedure parameter types by name; None where two procedures disagree.
        self.procedure_parameters: dict[str, type_pb2.TypeProto | None] = {}

    def run(self) -> Report:
        started = time.perf_counter()
        files = discover(self.root)
        # In the order onboarding creates them (genai_costs.onboarding.onboard): the views, then the table
        # functions, each after the ones it reads. BigQuery resolves a view's or function's query when
        # it is created, so a view cannot call a function.
        self.function_names = {f.path.stem.lower() for f in files if f.kind == "table function"}
        first = [f for kind in RELATION_KINDS for f in self._dependency_order([f for f in files if f.kind == kind])]
        reports = [self._check_file(f) for f in first + [f for f in files if f.kind not in RELATION_KINDS]]
        self.catalog.close()
        return Report(reports, unanalyzed(self.root), time.perf_counter() - started)

    def _check_file(self, file: SqlFile) -> FileReport:
        started = time.perf_counter()
        report = FileReport(file.relative, file.kind)
        if file.kind == "view":
            self._view(file, report)
        elif file.kind == "table function":
            self._table_function(file, report)
        elif file.kind == "procedure":
            self._procedure(file, report)
        else:
            self._statement(file, report)
        report.seconds = time.perf_counter() - started
        return report

    # Views and table functions ---------------------------------------------------------------------

    def _dependency_order(self, relations: list[SqlFile]) -> list[SqlFile]:
        """Views (or functions), named as their files, each after the ones it reads or calls."""
        names = {f.path.stem.lower(): f for f in relations}
        reads: dict[str, set[str]] = {}
        for name, relation in names.items():
            try:
                read = self.engine.table_names(relation.text, self.language) + self._called_functions(relation.text)
            except AnalyzerError:
                read = []  # the analysis reports the syntax error
            reads[name] = {t.lower() for t in read} & set(names) - {name}
        ordered: list[SqlFile] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if names[name] in ordered or name in visiting:
                return  # a cycle is left to the analyzer: the one read first is reported missing
            visiting.add(name)
            for dependency in sorted(reads[name]):
                visit(dependency)
            ordered.append(names[name])

        for name in sorted(names):
            visit(name)
        return ordered

    def _called_functions(self, sql: str) -> list[str]:
        """Table functions a statement calls (``FROM f(...)``), from the parser alone."""
        script = self.engine.parse_script(sql, self.language)
        return [".".join(i.id_string for i in tvf.name.names) for tvf in descendants(script, "ASTTVFProto")]

    def _view(self, file: SqlFile, report: FileReport) -> None:
        report.statements = 1
        resolved = self._analyze(file, report, "CREATE VIEW", file.text, self.catalog)
        if resolved is None:
            missing = report.findings[-1].message.removeprefix("Table-valued function not found: ")
            if missing.lower() in self.function_names:
                report.findings[-1] = replace(
                    report.findings[-1],
                    message=f"calls table function {missing}, which onboarding creates after the views "
                    "(genai_costs.onboarding.onboard): BigQuery cannot create this view",
                )
            return
        view = unwrap(resolved)
        name = inherited(view, "name_path")[-1]
        columns = _output_columns(view)
        hopeless, filters = view_requirements(
            resolved, self.catalog.partition_filters(), self.catalog.function_partition_filters()
        )
        for scan in hopeless:
            message = f"{scan.message()}; the view does not output {scan.column}, so every query of it fails"
            report.findings.append(Finding(file.relative, "CREATE VIEW", message))
        self.catalog.add_table(Table(name, columns, partition_filters=filters))
        readers = f"; its readers must filter {', '.join(filters)}" if filters else ""
        report.notes.append(f"registered view {name} ({len(columns)} columns{readers})")

    def _table_function(self, file: SqlFile, report: FileReport) -> None:
        label = "CREATE TABLE FUNCTION"
        report.statements = 1
        resolved = self._analyze(file, report, label, file.text, self.catalog)
        if resolved is None:
            return  # not registered: its callers fail too, as in BigQuery
        create = unwrap(resolved)
        if create.DESCRIPTOR.name != "ResolvedCreateTableFunctionStmtProto":
            message = f"sql/functions/ holds table functions, not {node_kind(create)}"
            report.findings.append(Finding(file.relative, label, message))
            return
        if not create.HasField("query"):  # ANY TYPE / ANY TABLE parameters: ZetaSQL resolves such a body per call
            message = "a templated table function (ANY TYPE / ANY TABLE parameter) is not analyzed: type its parameters"
            report.findings.append(Finding(file.relative, label, message))
            return
        name = inherited(create, "name_path")[-1]
        messages = list(_table_function_rules(create, name))
        hopeless, filters = view_requirements(
            resolved, self.catalog.partition_filters(), self.catalog.function_partition_filters()
        )
        messages += [
            f"{scan.message()}; the function does not output {scan.column}, so every call of it fails"
            for scan in hopeless
        ]
        report.findings += [Finding(file.relative, label, message) for message in messages]
        function = TableFunction(name, create.signature, filters)
        self.catalog.add_function(function)
        arguments = zip(create.argument_name_list, create.signature.argument, strict=True)
        parameters = ", ".join(f"{parameter} {type_name(argument.type)}" for parameter, argument in arguments)
        callers = f"; its callers must filter {', '.join(filters)}" if filters else ""
        report.notes.append(
            f"registered table function {function.name}({parameters}) ({len(function.columns)} columns{callers})"
        )

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
        if statement.DESCRIPTOR.name not in _CHECKED_WHEN_READ:
            scans = unfiltered_scans(resolved, catalog.partition_filters(), catalog.function_partition_filters())
            messages += [u.message() for u in scans]
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


def _table_function_rules(create: Message, name: str) -> Iterator[str]:
    """What BigQuery (or onboarding) makes of a CREATE TABLE FUNCTION that ZetaSQL accepts."""
    read = {ref.name.lower() for ref in descendants(create.query, "ResolvedArgumentRefProto")}
    for parameter in create.argument_name_list:
        if parameter.lower() not in read:
            yield (
                f"parameter {parameter} is never read by the body: unused, or hidden by a column of the same name "
                "(BigQuery resolves a bare name to a column first)"
            )
    # ZetaSQL rejects this in a view but not in a function; the function's result table cannot have it either.
    columns = [c.name.lower() for c in create.output_column_list]
    for column in sorted({c for c in columns if columns.count(c) > 1}):
        yield f"the function returns two columns named {column}"
    # Onboarding creates the functions in name order, and BigQuery resolves a body when it is created.
    for called in sorted({scan.tvf.name for scan in descendants(create.query, "ResolvedTVFScanProto")}):
        if called.lower() > name.lower():
            yield (
                f"calls table function {called}, which onboarding creates after {name} (in name order, "
                "genai_costs.warehouse.sqlfiles.load_table_functions): BigQuery cannot create this function"
            )


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
