"""BigQuery backend on ``google-cloud-bigquery``.

Writes go through load jobs, never streaming inserts: rows in the streaming buffer cannot be
touched by DML for minutes, which would break the delete+insert of a window replace. Every
job runs with the organization dataset as its default dataset, so the same unqualified SQL
files serve both backends; views are stored qualified because BigQuery keeps no default
dataset with a view.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.api_core.retry import Retry
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY, DEFAULT_RETRY
from sqlglot import exp
from sqlglot.optimizer.qualify_tables import qualify_tables

from ..errors import WarehouseError
from .base import Call, Param, Params, Staged, Step, Warehouse, bound_params, typed
from .failures import engine_error
from .identifiers import bind_identifiers
from .rows import write_ndjson
from .sqlfiles import Procedure, SqlFile, TableFunction, parse_bigquery
from .tables import TableSpec

_STAGING_TTL = dt.timedelta(hours=1)
_LOCK_TTL = dt.timedelta(minutes=15)  # longer than any function may run


def _query_param(name: str, param: Param) -> bigquery.ScalarQueryParameter:
    return bigquery.ScalarQueryParameter(name, param.type, param.value)


def _bq_ident(*parts: str) -> str:
    return exp.to_identifier(".".join(parts), quoted=True).sql("bigquery")


class BigQueryWarehouse(Warehouse):
    backend = "bigquery"

    def __init__(
        self,
        project: str,
        location: str = "US",
        client: bigquery.Client | None = None,
        *,
        api_endpoint: str | None = None,
        anonymous: bool = False,
        retry_deadline: float | None = None,
    ) -> None:
        """``api_endpoint``: any BigQuery API endpoint (an emulator; default Google's); ``anonymous``: send no
        credentials (an emulator wants none); ``retry_deadline``: seconds the client library may spend
        retrying one call (its own default is 10 minutes per call, longer than a function may run)."""
        self.project = project
        self.location = location
        self._client = client
        self._endpoint = api_endpoint
        self._anonymous = anonymous
        self._retry: Retry = DEFAULT_RETRY if retry_deadline is None else DEFAULT_RETRY.with_timeout(retry_deadline)
        self._job_retry: Retry = (
            DEFAULT_JOB_RETRY if retry_deadline is None else DEFAULT_JOB_RETRY.with_timeout(retry_deadline)
        )

    @property
    def client(self) -> bigquery.Client:
        # Created lazily: no network or credential lookup at import or construction time.
        if self._client is None:
            self._client = bigquery.Client(
                project=self.project,
                location=self.location,
                credentials=AnonymousCredentials() if self._anonymous else None,
                client_options=ClientOptions(api_endpoint=self._endpoint) if self._endpoint else None,
            )
        return self._client

    def _ref(self, dataset: str, table: str | None = None) -> str:
        return f"{self.project}.{dataset}" + (f".{table}" if table else "")

    # -- datasets and tables ------------------------------------------------------------
    def dataset_exists(self, dataset: str) -> bool:
        try:
            self.client.get_dataset(self._ref(dataset), retry=self._retry)
            return True
        except gexc.NotFound:
            return False
        except gexc.GoogleAPICallError as exc:
            raise engine_error(exc, f"BigQuery could not read dataset {dataset}: {exc.message}") from exc

    def create_dataset(self, dataset: str, *, description: str) -> bool:
        ds = bigquery.Dataset(self._ref(dataset))
        ds.location = self.location
        ds.description = description
        ds.labels = {"app": "genai-costs"}
        try:
            self.client.create_dataset(ds)
            return True
        except gexc.Conflict:
            return False

    def table_exists(self, dataset: str, table: str) -> bool:
        try:
            self.client.get_table(self._ref(dataset, table))
            return True
        except gexc.NotFound:
            return False

    def create_table(self, dataset: str, spec: TableSpec) -> bool:
        table = bigquery.Table.from_api_repr(spec.api_repr(self.project, dataset))
        try:
            self.client.create_table(table)
            return True
        except gexc.Conflict:
            return False

    def routine_exists(self, dataset: str, name: str) -> bool:
        try:
            self.client.get_routine(self._ref(dataset, name))
            return True
        except gexc.NotFound:
            return False

    def create_procedure(self, dataset: str, procedure: Procedure) -> None:
        params = ", ".join(f"{p.name} {p.type}" for p in procedure.params)
        body = ";\n".join(self._qualified(parse_bigquery(s), dataset) for s in procedure.statements)
        ddl = (
            f"CREATE OR REPLACE PROCEDURE {_bq_ident(self.project, dataset, procedure.name)}"
            f"({params})\nBEGIN\n{body};\nEND"
        )
        self._run(dataset, ddl, {})

    def create_view(self, dataset: str, view: SqlFile) -> None:
        tree = view.parsed()
        tree.this.set("this", exp.to_identifier(view.name))  # name stays; qualify below
        self._run(dataset, self._qualified(tree, dataset), {})

    def create_table_function(self, dataset: str, function: TableFunction) -> None:
        params = ", ".join(f"{p.name} {p.type}" for p in function.params)
        body = self._qualified(function.parsed(), dataset)
        ddl = f"CREATE OR REPLACE TABLE FUNCTION {_bq_ident(self.project, dataset, function.name)}({params}) AS\n{body}"
        self._run(dataset, ddl, {})

    def _qualified(self, tree: exp.Expression, dataset: str) -> str:
        tree = qualify_tables(tree.copy(), db=dataset, catalog=self.project)
        # Project ids may contain dashes: table paths are backquoted; parameters and columns are not.
        for table in tree.find_all(exp.Table):
            if isinstance(table.this, exp.Anonymous):  # a table function call: FROM `p.ds.fn`(...)
                fn = table.this
                fn.set("this", exp.to_identifier(f"{self.project}.{dataset}.{fn.name}", quoted=True))
                continue
            for part in ("catalog", "db", "this"):
                ident = table.args.get(part)
                if isinstance(ident, exp.Identifier):
                    ident.set("quoted", True)
        return tree.sql("bigquery")

    @contextmanager
    def exclusive(self, dataset: str, name: str, *, wait_seconds: float = 120.0) -> Iterator[None]:
        # Creating a table is atomic in BigQuery (409 when it exists): the lock is a table that expires
        # on its own, so a holder that dies never blocks the next one for longer than _LOCK_TTL.
        table = f"_lock_{name}"
        body = {
            "tableReference": {"projectId": self.project, "datasetId": dataset, "tableId": table},
            "schema": {"fields": [{"name": "held", "type": "BOOL", "description": "Lock marker."}]},
            "expirationTime": str(int((dt.datetime.now(dt.UTC) + _LOCK_TTL).timestamp() * 1000)),
        }
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                self.client.create_table(bigquery.Table.from_api_repr(body), retry=self._retry)
                break
            except gexc.Conflict:
                if time.monotonic() > deadline:
                    error = WarehouseError(f"{name} in {dataset} is still held by another run after {wait_seconds:g}s")
                    error.transient = True
                    raise error from None
                time.sleep(1.0)
            except gexc.GoogleAPICallError as exc:
                raise engine_error(exc, f"BigQuery could not take the lock {name}: {exc.message}") from exc
        try:
            yield
        finally:
            self.client.delete_table(self._ref(dataset, table), not_found_ok=True, retry=self._retry)

    # -- statements ---------------------------------------------------------------------
    def _run(self, dataset: str, sql: str, params: dict[str, Param]) -> bigquery.QueryJob:
        config = bigquery.QueryJobConfig(
            default_dataset=self._ref(dataset),
            query_parameters=[_query_param(k, v) for k, v in params.items()],
        )
        try:
            # job_retry=None here: with any other value the library wraps jobs.insert in its own fixed
            # 10-minute retry. The insert call itself is retried within ``retry``; a failed job is
            # restarted by result() within ``job_retry``: both bounded by the run's deadline.
            job = self.client.query(
                sql,
                job_config=config,
                location=self.location,
                retry=self._retry,
                job_retry=None,  # type: ignore[arg-type,unused-ignore]  # Optional only in newer releases
            )
            job.result(retry=self._retry, job_retry=self._job_retry)
            return job
        except gexc.RetryError as exc:
            raise engine_error(exc, f"BigQuery job kept failing until its retry deadline: {exc.cause}") from exc
        except gexc.GoogleAPICallError as exc:
            raise engine_error(exc, f"BigQuery job failed: {exc.message}") from exc

    @staticmethod
    def _text(statement: SqlFile | str | exp.Expression) -> str:
        if isinstance(statement, exp.Expression):
            return statement.sql("bigquery")
        return statement.text if isinstance(statement, SqlFile) else statement

    def query(
        self, dataset: str, statement: SqlFile | str | exp.Expression, params: Params | None = None
    ) -> list[dict[str, Any]]:
        job = self._run(dataset, self._text(statement), typed(params))
        return [dict(row.items()) for row in job.result()]

    def execute(self, dataset: str, statement: SqlFile | str | exp.Expression, params: Params | None = None) -> int:
        job = self._run(dataset, self._text(statement), typed(params))
        return int(job.num_dml_affected_rows or 0)

    def _call(self, dataset: str, procedure: Procedure) -> str:
        args = ", ".join(f"@{p.name}" for p in procedure.params)
        return f"CALL {_bq_ident(self.project, dataset, procedure.name)}({args})"

    # -- loads --------------------------------------------------------------------------
    def _load(self, dataset: str, spec: TableSpec, rows: Iterable[Mapping[str, Any]], table: str) -> int:
        buf = io.StringIO()
        count = write_ndjson(rows, spec.field_names, buf)
        if not count:
            return 0
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
            schema=[bigquery.SchemaField.from_api_repr(f.model_dump(exclude_none=True)) for f in spec.fields],
            write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
            # Targets always exist (staging tables are created just before; the others belong to
            # Terraform or onboarding): a load must never create a table of its own.
            create_disposition=bigquery.CreateDisposition.CREATE_NEVER,
        )
        data = io.BytesIO(buf.getvalue().encode("utf-8"))
        try:
            job = self.client.load_table_from_file(data, self._ref(dataset, table), job_config=config)
            job.result(retry=self._retry)
        except gexc.RetryError as exc:
            raise engine_error(exc, f"BigQuery load into {table} kept failing until its retry deadline") from exc
        except gexc.GoogleAPICallError as exc:
            raise engine_error(exc, f"BigQuery load into {table} failed: {exc.message}") from exc
        return count

    def load_rows(
        self, dataset: str, spec: TableSpec, rows: Iterable[Mapping[str, Any]], *, table: str | None = None
    ) -> int:
        return self._load(dataset, spec, rows, table or spec.name)

    def _create_staging(self, dataset: str, spec: TableSpec) -> str:
        staging = f"_staging_{spec.name}_{uuid.uuid4().hex[:12]}"
        # An empty staging table must still exist for the statements to reference it. It is
        # unpartitioned (no partition filter needed) and expires even if cleanup never runs.
        body = spec.api_repr(self.project, dataset)
        body.pop("timePartitioning", None)
        body.pop("clustering", None)
        body["tableReference"]["tableId"] = staging
        body["expirationTime"] = str(int((dt.datetime.now(dt.UTC) + _STAGING_TTL).timestamp() * 1000))
        self.client.create_table(bigquery.Table.from_api_repr(body))
        return staging

    def run_transaction(
        self,
        dataset: str,
        steps: Sequence[Step],
        params: Params | None = None,
        *,
        staged: Sequence[Staged] = (),
    ) -> dict[str, int]:
        """One multi-statement query: ``BEGIN TRANSACTION; <steps>; COMMIT TRANSACTION;``. A failing
        statement (an ``ERROR()`` assertion included) ends the query before COMMIT, and BigQuery then
        rolls the whole transaction back. Called procedures must not open a transaction of their own:
        BigQuery transactions do not nest."""
        bound = bound_params(steps, params)
        tables: dict[str, str] = {}
        counts: dict[str, int] = {}
        try:
            for s in staged:
                tables[s.slot] = self._create_staging(dataset, s.spec)
                counts[s.slot] = self._load(dataset, s.spec, s.rows, tables[s.slot])
            script = ";\n".join(
                self._call(dataset, step.procedure)
                if isinstance(step, Call)
                else bind_identifiers(step, tables).sql("bigquery")
                for step in steps
            )
            self._run(dataset, f"BEGIN TRANSACTION;\n{script};\nCOMMIT TRANSACTION;", bound)
        finally:
            for table in tables.values():
                self.client.delete_table(self._ref(dataset, table), not_found_ok=True)
        return counts
