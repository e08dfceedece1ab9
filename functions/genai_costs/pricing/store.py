"""Reading and writing the catalog tables through the SQL files in ``sql/statements/``.

Every write is one transaction: the rows of each table involved are staged, then the statements run
together (``Warehouse.apply_staged_tables``), so a failure leaves every table as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import ConfigurationError
from ..orgs import dataset_for
from ..paths import sql_root
from ..warehouse.base import Param, Warehouse
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import TableSpec, load_table_specs
from .audit import AUDIT_TABLE
from .proposals import PROPOSALS_TABLE

PRICING_TABLE = "llm_model_pricing"
SUBSCRIPTIONS_TABLE = "llm_subscriptions"
Rows = Iterable[Mapping[str, Any]]

# statement files per kind of write, in the order they run inside the transaction
SYNC_STATEMENTS = (
    "pricing_end_followed_rows",
    "pricing_insert_new_rows",
    "proposals_update_status",
    "proposals_insert_new",
    "pricing_audit_insert",
)
PRICING_REPLACE_STATEMENTS = ("pricing_delete_replaced_rows", "pricing_insert_new_rows", "pricing_audit_insert")
SUBSCRIPTION_REPLACE_STATEMENTS = (
    "subscriptions_delete_replaced_rows",
    "subscriptions_insert_new_rows",
    "pricing_audit_insert",
)


class CatalogStore:
    """One organization's catalog tables (its ``{org_slug}_prod`` dataset)."""

    def __init__(self, warehouse: Warehouse, org_slug: str) -> None:
        self.warehouse = warehouse
        self.org_slug = org_slug
        self.dataset = dataset_for(org_slug)
        self.root = sql_root()
        self.specs: dict[str, TableSpec] = load_table_specs(self.root)

    def require_tables(self, *tables: str) -> None:
        if not self.warehouse.dataset_exists(self.dataset):
            raise ConfigurationError(f"organization {self.org_slug} is not onboarded (no dataset {self.dataset})")
        missing = [t for t in tables if not self.warehouse.table_exists(self.dataset, t)]
        if missing:
            raise ConfigurationError(
                f"dataset {self.dataset} has no {', '.join(missing)}: onboard the organization again "
                "(or terraform apply) to create the tables this version adds"
            )

    # -- reads --------------------------------------------------------------------------------------
    def _read(self, statement: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.warehouse.query(self.dataset, load_statement(self.root, statement), params)

    def pricing_rows(self, provider: str | None = None) -> list[dict[str, Any]]:
        return self._read("pricing_rows", {"p_provider": Param("STRING", provider)})

    def subscription_rows(self, provider: str | None = None) -> list[dict[str, Any]]:
        return self._read("subscriptions_rows", {"p_provider": Param("STRING", provider)})

    def proposals(self) -> list[dict[str, Any]]:
        return self._read("price_proposals_rows")

    # -- writes -------------------------------------------------------------------------------------
    def _write(self, statements: Sequence[str], staged: Mapping[str, Rows]) -> dict[str, int]:
        parsed = [load_statement(self.root, name).parsed() for name in statements]
        return self.warehouse.apply_staged_tables(
            self.dataset, [(self.specs[table], rows) for table, rows in staged.items()], parsed
        )

    def write_sync(self, pricing: Rows, proposals: Rows, audit: Rows) -> dict[str, int]:
        """New price rows, end dates of the rows they follow, proposals and audit rows, all or nothing."""
        staged = {PRICING_TABLE: pricing, PROPOSALS_TABLE: proposals, AUDIT_TABLE: audit}
        return self._write(SYNC_STATEMENTS, staged)

    def replace_pricing(self, rows: Rows, audit: Rows) -> dict[str, int]:
        """Write price rows as given (new ones added, existing ones replaced) with their audit rows."""
        return self._write(PRICING_REPLACE_STATEMENTS, {PRICING_TABLE: rows, AUDIT_TABLE: audit})

    def replace_subscriptions(self, rows: Rows, audit: Rows) -> dict[str, int]:
        return self._write(SUBSCRIPTION_REPLACE_STATEMENTS, {SUBSCRIPTIONS_TABLE: rows, AUDIT_TABLE: audit})
