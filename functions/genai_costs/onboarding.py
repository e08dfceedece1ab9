"""Onboarding: make an organization's dataset ready, then load the default catalog where absent.
Idempotent; custom rows are never touched.

Every database object has exactly one owner. Deployed with Terraform (``schema_owner="terraform"``),
Terraform owns the dataset, the tables and the procedures: onboarding only verifies that they
exist (naming whatever is missing) and never creates them. Without Terraform (the embedded engine,
a hand-made setup; ``"onboarding"``) onboarding creates them. Either way onboarding owns what
Terraform cannot express cleanly: the views and table functions (BigQuery stores them with fully
qualified names) and the seed rows of the catalog and reference tables.

Two onboardings of the same organization at once (two clicks, two operators) are idempotent: creating
the dataset and tables tolerates the other one having done it first, the seed rows are loaded under a
lock (two concurrent "insert the missing rows" would both insert them), and a step that conflicts
with the other onboarding (a transient warehouse error) is retried from the start; the later one finds
the work done (``dataset_created`` false, no seed row inserted twice).
"""

from __future__ import annotations

import random
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ConfigurationError, ValidationError, WarehouseError
from .orgs import dataset_for, validate_org_slug
from .paths import sql_root
from .seeds import SEEDS, SeedFile, read_seed_rows
from .warehouse.base import Warehouse
from .warehouse.identifiers import bind_identifiers
from .warehouse.sqlfiles import Procedure, load_procedures, load_statement, load_table_functions, load_views
from .warehouse.tables import TableSpec, load_table_specs

SchemaOwner = Literal["onboarding", "terraform"]


class OnboardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    org_slug: str = Field(description="Organization slug: 3-30 chars a-z 0-9 _ starting with a letter")
    reset_seed: bool = Field(False, description="Replace non-custom catalog rows with the current seed")

    @field_validator("org_slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        try:
            return validate_org_slug(value)
        except ValidationError as exc:
            raise ValueError(str(exc)) from exc


class OnboardResult(BaseModel):
    org_slug: str
    dataset: str
    schema_owner: SchemaOwner
    dataset_created: bool
    tables_created: list[str]
    tables_present: list[str]
    procedures: list[str]
    table_functions: list[str]
    views: list[str]
    seed_rows_inserted: dict[str, int]
    seed_rows_total: dict[str, int]


ATTEMPTS = 5  # tries of the whole onboarding when it conflicts with a concurrent one


def onboard(
    warehouse: Warehouse, request: OnboardRequest, *, schema_owner: SchemaOwner = "onboarding"
) -> OnboardResult:
    created: list[str] = []  # what this call created, across attempts
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _onboard_once(warehouse, request, schema_owner, created)
        except WarehouseError as exc:
            if not exc.transient or attempt == ATTEMPTS:
                raise
            # Another onboarding is committing the same objects: let it finish, then find them done.
            time.sleep(random.uniform(0.05, 0.25) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _onboard_once(
    warehouse: Warehouse, request: OnboardRequest, schema_owner: SchemaOwner, created_so_far: list[str]
) -> OnboardResult:
    root = sql_root()
    # Parse everything before creating anything: a broken file must not leave half a dataset.
    specs = load_table_specs(root)
    procedures = load_procedures(root)
    functions = load_table_functions(root)
    views = load_views(root)
    seed_rows = {seed.table: list(read_seed_rows(root / "seed" / seed.file_name, specs[seed.table])) for seed in SEEDS}
    dataset = dataset_for(request.org_slug)

    if schema_owner == "terraform":  # verified before anything is sent, the lock included
        _require_terraform_objects(warehouse, dataset, specs, procedures)
    elif warehouse.create_dataset(dataset, description=f"GenAI costs for organization {request.org_slug}"):
        created_so_far.append(dataset)
    # One onboarding of a dataset at a time: a second one waits, then finds everything done (concurrent
    # creates conflict in the engine, and two inserts of the missing seed rows would both insert them).
    # Inside the lock, one connection for the whole batch (the lock is always taken first: no deadlock).
    with warehouse.exclusive(dataset, "onboarding"), warehouse.held():
        tables_created: list[str] = []
        tables_present: list[str] = []
        if schema_owner == "terraform":
            tables_present = list(specs)
        else:
            for name, spec in specs.items():
                if warehouse.create_table(dataset, spec):
                    created_so_far.append(name)
                (tables_created if name in created_so_far else tables_present).append(name)
        for view in views.values():  # the procedures' table functions read the catalog's union views
            warehouse.create_view(dataset, view)
        for function in functions.values():
            warehouse.create_table_function(dataset, function)
        if schema_owner != "terraform":
            for proc in procedures.values():
                warehouse.create_procedure(dataset, proc)
        inserted, totals = {}, {}
        for seed in SEEDS:
            inserted[seed.table], totals[seed.table] = _seed(warehouse, dataset, seed, seed_rows, specs, request)
    return OnboardResult(
        org_slug=request.org_slug,
        dataset=dataset,
        schema_owner=schema_owner,
        dataset_created=dataset in created_so_far,
        tables_created=tables_created,
        tables_present=tables_present,
        procedures=sorted(procedures),
        table_functions=sorted(functions),
        views=sorted(views),
        seed_rows_inserted=inserted,
        seed_rows_total=totals,
    )


def _require_terraform_objects(
    warehouse: Warehouse, dataset: str, specs: dict[str, TableSpec], procedures: dict[str, Procedure]
) -> None:
    """Terraform owns the dataset, tables and procedures: fail naming whatever it has not created."""
    how = "they are created by Terraform (terraform/modules/genai_costs_org): run terraform apply, then onboard again"
    if not warehouse.dataset_exists(dataset):
        raise ConfigurationError(f"dataset {dataset} does not exist; {how}")
    missing = [f"table {t}" for t in sorted(specs) if not warehouse.table_exists(dataset, t)]
    missing += [f"procedure {p}" for p in sorted(procedures) if not warehouse.routine_exists(dataset, p)]
    if missing:
        raise ConfigurationError(f"dataset {dataset} is missing {', '.join(missing)}; {how}")


_RELOAD = ("seed_delete_all", "seed_insert_all")


def _seed(
    warehouse: Warehouse,
    dataset: str,
    seed: SeedFile,
    seed_rows: dict[str, list[dict[str, Any]]],
    specs: dict[str, TableSpec],
    request: OnboardRequest,
) -> tuple[int, int]:
    """(net rows added, rows in the table) after loading one seed file."""
    root = sql_root()
    table, slots = seed.table, {"target_table": seed.table}
    if seed.replace:  # reference table owned by the code: reloaded whole
        statements = [bind_identifiers(load_statement(root, name).parsed(), slots) for name in _RELOAD]
    else:
        statements = []
        if request.reset_seed:
            statements.append(bind_identifiers(load_statement(root, "seed_delete_non_custom").parsed(), slots))
        statements.append(
            bind_identifiers(load_statement(root, "seed_insert_missing").parsed(), slots, {"key_column": seed.key})
        )
    # Reported as the net change: 0 when re-onboarding leaves a table as it was.
    before = 0 if request.reset_seed and not seed.replace else _count(warehouse, dataset, table)
    warehouse.apply_staged(dataset, specs[table], seed_rows[table], statements)
    total = _count(warehouse, dataset, table)
    return total - before, total


def _count(warehouse: Warehouse, dataset: str, table: str) -> int:
    count_sql = bind_identifiers(load_statement(sql_root(), "count_rows").parsed(), {"target_table": table})
    return int(warehouse.query(dataset, count_sql.sql("bigquery"))[0]["row_count"])
