"""Onboarding: make an organization's dataset ready, then load the default catalog where absent.
Idempotent; custom rows are never touched.

Every database object has exactly one owner. Deployed with Terraform (``schema_owner="terraform"``),
Terraform owns the dataset, the tables and the procedures: onboarding only verifies that they
exist (naming whatever is missing) and never creates them. Without Terraform (the embedded engine,
a hand-made setup; ``"onboarding"``) onboarding creates them. Either way onboarding owns what
Terraform cannot express cleanly: the views (BigQuery stores them with fully qualified names) and
the seed rows of the catalog tables.

Two onboardings of the same organization at once (two clicks, two operators) are idempotent: every
step is, so a step that conflicts with the other onboarding (a transient warehouse error: DuckDB's
write-write conflict, BigQuery's concurrent-update abort) is retried from the start, and the later
one finds the work done (``dataset_created`` false, no seed row inserted twice).
"""

from __future__ import annotations

import random
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ConfigurationError, ValidationError, WarehouseError
from .orgs import dataset_for, validate_org_slug
from .paths import sql_root
from .seeds import SEED_FILES, read_seed_rows
from .warehouse.base import Warehouse
from .warehouse.identifiers import bind_identifiers
from .warehouse.sqlfiles import Procedure, load_procedures, load_statement, load_views
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
    views = load_views(root)
    seed_rows = {
        table: list(read_seed_rows(root / "seed" / file_name, specs[table]))
        for file_name, (table, _) in SEED_FILES.items()
    }
    dataset = dataset_for(request.org_slug)

    created = False
    tables_created: list[str] = []
    tables_present: list[str] = []
    if schema_owner == "terraform":
        _require_terraform_objects(warehouse, dataset, specs, procedures)
        tables_present = list(specs)
    else:
        if warehouse.create_dataset(dataset, description=f"GenAI costs for organization {request.org_slug}"):
            created_so_far.append(dataset)
        created = dataset in created_so_far
        for name, spec in specs.items():
            if warehouse.create_table(dataset, spec):
                created_so_far.append(name)
            (tables_created if name in created_so_far else tables_present).append(name)
        for proc in procedures.values():
            warehouse.create_procedure(dataset, proc)
    for view in views.values():
        warehouse.create_view(dataset, view)

    inserted, totals = {}, {}
    with warehouse.exclusive(dataset, "onboarding_seed"):  # inserting missing rows twice at once duplicates them
        for table, key in SEED_FILES.values():
            inserted[table], totals[table] = _seed(warehouse, dataset, table, key, seed_rows[table], specs, request)
    return OnboardResult(
        org_slug=request.org_slug,
        dataset=dataset,
        schema_owner=schema_owner,
        dataset_created=created,
        tables_created=tables_created,
        tables_present=tables_present,
        procedures=sorted(procedures),
        views=sorted(views),
        seed_rows_inserted=inserted,
        seed_rows_total=totals,
    )


def _seed(
    warehouse: Warehouse,
    dataset: str,
    table: str,
    key: str,
    rows: list[dict[str, object]],
    specs: dict[str, TableSpec],
    request: OnboardRequest,
) -> tuple[int, int]:
    """(rows inserted, rows in the table) after loading the seed rows ``table`` lacks."""
    root = sql_root()
    statements = []
    if request.reset_seed:
        statements.append(
            bind_identifiers(load_statement(root, "seed_delete_non_custom").parsed(), {"target_table": table})
        )
    statements.append(
        bind_identifiers(
            load_statement(root, "seed_insert_missing").parsed(), {"target_table": table}, {"key_column": key}
        )
    )
    before = _count(warehouse, dataset, table) if not request.reset_seed else 0
    warehouse.apply_staged(dataset, specs[table], rows, statements)
    total = _count(warehouse, dataset, table)
    return (total - before if not request.reset_seed else total), total


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


def _count(warehouse: Warehouse, dataset: str, table: str) -> int:
    count_sql = bind_identifiers(load_statement(sql_root(), "count_rows").parsed(), {"target_table": table})
    return int(warehouse.query(dataset, count_sql.sql("bigquery"))[0]["row_count"])
