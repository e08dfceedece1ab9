"""Create, read, update and disable an organization's price rows and subscription rows.

The seed document's semantics: rows a user adds are ``is_custom`` and survive seed resets and price
syncs; the organization's custom price for a model wins over the catalog's. Each change validates the
row as it would be written (:mod:`.validation`), then writes it and one audit row per changed row in
ONE transaction; bad input writes nothing.

- create: a new custom row.
- update (PUT replaces the fields, PATCH changes the ones given), custom rows only:
  - with an ``effective_date`` after the row's: a new version. The row ends the day before and a new
    custom row carries the change from that day, so the earlier days keep their price;
  - otherwise a correction of the row itself (its audit row keeps what it was).
  Catalog rows (``is_custom = false``) belong to the seed and the price sync: add a custom row to
  override one, or disable it.
- disable (HTTP DELETE): ``is_enabled = false``, on any row; the row stays for the record, and the
  price sync leaves a disabled key alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import ConflictError, NotFoundError, ValidationError
from ..orgs import validate_org_slug
from ..providers.ids import PROVIDERS
from ..warehouse.base import Warehouse
from .audit import audit_row
from .rates import canonical
from .store import PRICING_TABLE, SUBSCRIPTIONS_TABLE, CatalogStore
from .validation import (
    HOURS_PER_MONTH,
    PriceFields,
    SubscriptionFields,
    check_no_overlap,
    check_price_row,
    check_subscription_row,
)

API_PROVIDERS: tuple[str, ...] = (*PROVIDERS, "custom")
PRICE_KEY = ("provider", "model_id", "region", "service_tier", "is_custom")
SUBSCRIPTION_KEY = ("provider", "plan_name", "is_custom")
Kind = Literal["pricing", "subscriptions"]


class Target(BaseModel):
    """Who is asking, about which organization and provider (from the route and the caller's identity)."""

    model_config = ConfigDict(extra="forbid")

    org_slug: str
    provider: str
    actor: str = Field(min_length=1, max_length=320)
    reason: str | None = Field(None, max_length=1000, description="Why (kept in the audit row)")

    @field_validator("org_slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        try:
            return validate_org_slug(value)
        except ValidationError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str) -> str:
        if value not in API_PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(API_PROVIDERS)}")
        return value


class ListRequest(Target):
    actor: str = "reader"
    model_id: str | None = None
    include_disabled: bool = True
    custom_only: bool = False
    as_of: dt.date | None = Field(None, description="Only rows valid on this day")


class RowRequest(Target):
    actor: str = "reader"
    row_id: str = Field(min_length=1, max_length=100)


class CreatePrice(Target, PriceFields):
    pass


class UpdatePrice(Target, PriceFields):
    row_id: str = Field(min_length=1, max_length=100)
    replace: bool = Field(False, description="PUT: every field not given is cleared; PATCH: only given ones change")


class CreateSubscription(Target, SubscriptionFields):
    pass


class UpdateSubscription(Target, SubscriptionFields):
    row_id: str = Field(min_length=1, max_length=100)
    replace: bool = False


def public(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as the API returns it: exact numbers as plain decimal strings ("0.00015", never 1.5E-4)."""
    return {k: format(canonical(v), "f") if isinstance(v, Decimal) else v for k, v in row.items()}


class Rows(BaseModel):
    rows: list[dict[str, Any]]

    @field_validator("rows")
    @classmethod
    def _public(cls, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [public(r) for r in rows]


class Change(BaseModel):
    action: Literal["created", "corrected", "versioned", "disabled", "unchanged"]
    row: dict[str, Any]
    previous: dict[str, Any] | None = None  # the row before (a correction, a disable) or the row ended (a version)
    # what the change did to costs already computed (price rows only; see pricing/corrections.py)
    repricing: dict[str, Any] | None = None

    @field_validator("row", "previous")
    @classmethod
    def _public(cls, row: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if row is None else public(row)


_TABLES: dict[Kind, tuple[str, str, tuple[str, ...], type[BaseModel]]] = {
    "pricing": (PRICING_TABLE, "pricing_id", PRICE_KEY, PriceFields),
    "subscriptions": (SUBSCRIPTIONS_TABLE, "subscription_id", SUBSCRIPTION_KEY, SubscriptionFields),
}


class CatalogApi:
    """One organization's price and subscription rows through the pricing API."""

    def __init__(
        self, warehouse: Warehouse, org_slug: str, *, now: dt.datetime | None = None, dry_run: bool = False
    ) -> None:
        self.store = CatalogStore(warehouse, org_slug)
        self.now = now
        self.dry_run = dry_run  # validate and plan only: the rows a change would write land in ``planned``
        self.planned: list[dict[str, Any]] = []

    def _now(self) -> dt.datetime:
        return (self.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)

    def _rows(self, kind: Kind, provider: str) -> list[dict[str, Any]]:
        table = _TABLES[kind][0]
        self.store.require_tables(table)
        return self.store.pricing_rows(provider) if kind == "pricing" else self.store.subscription_rows(provider)

    # -- reads --------------------------------------------------------------------------------------
    def list_rows(self, kind: Kind, request: ListRequest) -> Rows:
        rows = self._rows(kind, request.provider)
        if request.model_id is not None:
            rows = [r for r in rows if r.get("model_id") == request.model_id]
        if not request.include_disabled:
            rows = [r for r in rows if r["is_enabled"]]
        if request.custom_only:
            rows = [r for r in rows if r["is_custom"]]
        if request.as_of is not None:
            day = request.as_of
            rows = [r for r in rows if r["effective_date"] <= day and (r["end_date"] is None or day <= r["end_date"])]
        return Rows(rows=rows)

    def get_row(self, kind: Kind, request: RowRequest) -> Rows:
        return Rows(rows=[self._find(kind, request.provider, request.row_id)[0]])

    def _find(self, kind: Kind, provider: str, row_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        id_field = _TABLES[kind][1]
        rows = self._rows(kind, provider)
        row = next((r for r in rows if r[id_field] == row_id), None)
        if row is None:
            raise NotFoundError(f"no {kind} row {row_id} for provider {provider} in organization {self.store.org_slug}")
        return row, rows

    # -- writes -------------------------------------------------------------------------------------
    def create(self, kind: Kind, request: CreatePrice | CreateSubscription) -> Change:
        table, id_field, _, fields_model = _TABLES[kind]
        now = self._now()
        row = dict.fromkeys(self.store.specs[table].field_names)
        row.update(_given(request, fields_model, replace=True))
        row.update(
            {id_field: str(uuid.uuid4()), "provider": request.provider, "is_custom": True},
            created_at=now,
            updated_at=now,
        )
        _defaults(kind, row, request.provider)
        existing = self._rows(kind, request.provider)
        self._check(kind, row, existing)
        self._write(kind, [row], [self._audit(kind, "create", request, None, row, now)])
        return Change(action="created", row=row)

    def update(self, kind: Kind, request: UpdatePrice | UpdateSubscription) -> Change:
        _, id_field, _, fields_model = _TABLES[kind]
        current, existing = self._find(kind, request.provider, request.row_id)
        if not current["is_custom"]:
            raise ConflictError(
                f"{id_field} {request.row_id} is a catalog row (is_custom = false), kept by the seed and the price "
                "sync: create a custom row to override its price for your organization, or disable it"
            )
        now = self._now()
        given = _given(request, fields_model, replace=request.replace)
        merged = {**current, **given, "updated_at": now}
        _defaults(kind, merged, request.provider)
        new_start = given.get("effective_date")
        if new_start is not None and new_start != current["effective_date"]:
            return self._version(kind, request, current, merged, existing, now)
        if all(merged[f] == current[f] for f in given) and not request.replace:
            return Change(action="unchanged", row=current)
        self._check(kind, merged, existing)
        self._write(kind, [merged], [self._audit(kind, "update", request, current, merged, now)])
        return Change(action="corrected", row=merged, previous=current)

    def _version(
        self,
        kind: Kind,
        request: UpdatePrice | UpdateSubscription,
        current: dict[str, Any],
        merged: dict[str, Any],
        existing: list[dict[str, Any]],
        now: dt.datetime,
    ) -> Change:
        id_field = _TABLES[kind][1]
        start = merged["effective_date"]
        if start <= current["effective_date"]:
            raise ValidationError(
                f"a new version must start after the row it follows ({current['effective_date']}); to correct the "
                "row's own start, PATCH it without changing prices in the same request"
            )
        if current["end_date"] is not None and start > current["end_date"]:
            raise ValidationError(f"the row ends on {current['end_date']}: create a new row for {start} instead")
        ended = {**current, "end_date": start - dt.timedelta(days=1), "updated_at": now}
        new = {**merged, id_field: str(uuid.uuid4()), "created_at": now}
        if "end_date" not in request.model_fields_set:
            new["end_date"] = current["end_date"]
        others = [ended if r[id_field] == current[id_field] else r for r in existing]
        self._check(kind, ended, others)
        self._check(kind, new, others)
        audits = [
            self._audit(kind, "end_date", request, current, ended, now),
            self._audit(kind, "version", request, None, new, now),
        ]
        self._write(kind, [ended, new], audits)
        return Change(action="versioned", row=new, previous=ended)

    def disable(self, kind: Kind, request: RowRequest) -> Change:
        current, _ = self._find(kind, request.provider, request.row_id)
        if not current["is_enabled"]:
            return Change(action="unchanged", row=current)
        now = self._now()
        disabled = {**current, "is_enabled": False, "updated_at": now}
        self._write(kind, [disabled], [self._audit(kind, "disable", request, current, disabled, now)])
        return Change(action="disabled", row=disabled, previous=current)

    # -- helpers ------------------------------------------------------------------------------------
    def _check(self, kind: Kind, row: dict[str, Any], existing: list[dict[str, Any]]) -> None:
        _, id_field, key, _ = _TABLES[kind]
        (check_price_row if kind == "pricing" else check_subscription_row)(row)
        check_no_overlap(row, existing, key, id_field)

    def _write(self, kind: Kind, rows: list[dict[str, Any]], audits: list[dict[str, Any]]) -> None:
        if self.dry_run:
            self.planned.extend(rows)
            return
        if kind == "pricing":
            self.store.replace_pricing(rows, audits)
        else:
            self.store.replace_subscriptions(rows, audits)

    def _audit(
        self,
        kind: Kind,
        action: str,
        request: Target,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any],
        now: dt.datetime,
    ) -> dict[str, Any]:
        table, id_field, _, _ = _TABLES[kind]
        return audit_row(
            table=table,
            row_id=after[id_field],
            action=action,
            actor=request.actor,
            at=now,
            provider=request.provider,
            before=before,
            after=after,
            reason=request.reason,
        )


def _given(request: BaseModel, fields_model: type[BaseModel], *, replace: bool) -> dict[str, Any]:
    """The row fields of a request: those given (PATCH), or all of them with the rest cleared (create, PUT)."""
    names = set(fields_model.model_fields)
    chosen = names if replace else names & request.model_fields_set
    return {name: getattr(request, name) for name in chosen}


def _defaults(kind: Kind, row: dict[str, Any], provider: str) -> None:
    row["currency"] = row.get("currency") or "USD"
    if row.get("is_enabled") is None:
        row["is_enabled"] = True
    if kind == "pricing":
        if row.get("price_source") is None:
            row["price_source"] = "custom price (pricing API)"
        if provider == "openai":  # the seed schema's OpenAI-only batch columns mirror the generic ones
            row["x_openai_batch_input_price"] = row.get("batch_input_price_per_1k")
            row["x_openai_batch_output_price"] = row.get("batch_output_price_per_1k")
    else:
        hourly = row.get("unit_hourly_price_usd")
        if row.get("unit_price_usd") is None and hourly is not None:
            row["unit_price_usd"] = hourly * HOURS_PER_MONTH
        if row.get("quantity") is None:
            row["quantity"] = 1
