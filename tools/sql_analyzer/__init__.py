"""BigQuery-semantics check of every file in ``sql/`` with Google's own analyzer.

ZetaSQL is the analyzer behind GoogleSQL, BigQuery's dialect; the PyPI ``zetasql`` package ships it
as WebAssembly. The embedded engine (DuckDB through sqlglot) cannot tell whether a statement is
valid BigQuery; this check can, offline: it resolves every name and type-checks every statement
against a catalog built from ``sql/tables/*.json``, with BigQuery's language features.

    python -m tools.sql_analyzer sql/        # one line per file; exit status 1 on any error
    python -m tools.sql_analyzer sql/ -v     # also parameter types, view columns registered

- ``engine``: the WASM analyzer (compiled once per machine, then cached by wasmtime).
- ``bigquery``: BigQuery's language options and type names.
- ``catalog``: tables, views, table functions, temporary tables and script variables the statements
  resolve against.
- ``sources``: which files are analyzed, parameter declarations, template slot bindings.
- ``checker``: the analysis of each kind of file and the per-file report.
- ``partition_filters``: plus two BigQuery rules ZetaSQL does not model, checked on its resolved
  tree: reads of a ``requirePartitionFilter`` table must filter its partition column (through
  CTEs, UNION branches, views and table functions), and an INSERT must give every REQUIRED column a
  value (checker).

Table functions (``sql/functions/``) are analyzed like views, with their typed parameters as values
in the body, and registered with the signature ZetaSQL resolved (parameter types, output columns),
so a call with a wrong argument count or type, or a read of a column the function does not return,
is an error at the call. Known limits: the analyzer accepts named arguments (``f(p_x => ...)``) at
a call as ZetaSQL does (the project calls positionally); a templated function (``ANY TYPE``
parameters) is reported rather than analyzed per call.

The test suite runs it in ``tests/sql/test_bigquery_semantics.py``.
"""
