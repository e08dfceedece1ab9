"""What a price change would do to costs already computed, before it is applied (``prices diff``).

The previewed rows (the rows a sync, a review or the pricing API would write) are put in place inside
ONE transaction: the enabled rows they replace stop pricing, the previewed copies are inserted under
``preview:`` ids, the pay-as-you-go engine prices the affected days against the unified rows' current
cost (``price_preview_insert.sql``, into ``genai_price_previews``), then the copies go and the replaced
rows price again. The catalog is left exactly as it was (the same rows, values and ``updated_at``);
only the preview's own rows remain. The same engine prices the preview and the real change, so the
preview's new cost is what re-pricing or correcting will state.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ..orgs import dataset_for
from ..paths import sql_root
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from .corrections import affected_days
from .store import PRICING_TABLE, CatalogStore

PREVIEWS_TABLE = "genai_price_previews"
PREVIEW_STATEMENTS = (
    "price_preview_disable_replaced",
    "pricing_insert_new_rows",
    "price_preview_clear",
    "price_preview_insert",
    "price_preview_remove_rows",
    "price_preview_enable_replaced",
)


class PreviewLine(BaseModel):
    provider: str
    model: str | None
    month: dt.date
    is_closed: bool
    old_cost_usd: Decimal | None
    new_cost_usd: Decimal | None
    difference_usd: Decimal
    rows_changed: int
    unpriced_before: int
    unpriced_after: int

    @property
    def effect(self) -> str:
        return "correction (closed month)" if self.is_closed else "re-price (open month)"


def preview_change(
    warehouse: Warehouse,
    org_slug: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    today: dt.date | None = None,
) -> list[PreviewLine]:
    """Per provider, model and month: cost today, cost with ``rows`` written, and whether the month is closed."""
    today = today or dt.datetime.now(dt.UTC).date()
    store = CatalogStore(warehouse, org_slug)
    store.require_tables(PRICING_TABLE, PREVIEWS_TABLE)
    current = {r["pricing_id"]: r for r in store.pricing_rows()}
    planned = [dict(r) for r in rows]
    # the days either version prices: the rows as they are now and as they would be
    days = affected_days(
        warehouse,
        org_slug,
        [*(current[r["pricing_id"]] for r in planned if r["pricing_id"] in current), *planned],
        today,
    )
    if days is None:
        return []
    staged = []
    for row in planned:
        before = current.get(row["pricing_id"])
        prefix = "preview:" if before is not None and before["is_enabled"] else "preview-new:"
        staged.append({**row, "pricing_id": prefix + row["pricing_id"]})
    preview_id = str(uuid.uuid4())
    params = {
        "p_org_slug": org_slug,
        "p_preview_id": preview_id,
        "p_start_date": days.start,
        "p_end_date": days.end,
    }
    statements = [load_statement(store.root, name).parsed() for name in PREVIEW_STATEMENTS]
    warehouse.apply_staged_tables(store.dataset, [(store.specs[PRICING_TABLE], staged)], statements, params)
    found = warehouse.query(dataset_for(org_slug), load_statement(sql_root(), "price_preview_rows"), params)
    return [PreviewLine.model_validate(r) for r in found]
