"""What a sync (or a review, or a dry run) did: changes, disagreements, deviations, coverage."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from .candidates import Candidate
from .coverage import Coverage, coverage
from .plan import Plan, valid_on
from .rates import RATE_COLUMNS, PriceKey, agree, as_decimal


class KeyFields(BaseModel):
    provider: str
    model_id: str
    region: str | None = None
    service_tier: str | None = None

    @classmethod
    def of(cls, key: PriceKey) -> dict[str, Any]:
        return {
            "provider": key.provider,
            "model_id": key.model_id,
            "region": key.region,
            "service_tier": key.service_tier,
        }


class RateChange(BaseModel):
    column: str
    before: Decimal | None
    after: Decimal | None
    basis: str


class RowChange(KeyFields):
    kind: Literal["new_model", "correction"]
    pricing_id: str
    effective_date: dt.date
    previous_pricing_id: str | None
    previous_effective_date: dt.date | None
    previous_end_date: dt.date | None  # the end date the previous row gets
    rates: list[RateChange]


class Disagreement(KeyFields):
    column: str
    genai_prices: Decimal
    litellm: Decimal
    catalog: Decimal | None
    resolution: str


class Deviation(KeyFields):
    pricing_id: str
    is_custom: bool
    column: str
    value: Decimal
    genai_prices: Decimal | None
    litellm: Decimal | None
    reason: str

    @property
    def differs_from_both(self) -> bool:
        return self.genai_prices is not None and self.litellm is not None


class SkippedKey(KeyFields):
    action: str
    reason: str


class SyncReport(BaseModel):
    org_slug: str
    # the full price rows the plan writes (ended previous rows, then new rows), for ``prices diff``'s
    # cost preview; not part of the report's JSON
    pricing_rows: list[dict[str, Any]] = Field(default_factory=list, exclude=True, repr=False)
    as_of: dt.date
    checked_at: dt.datetime
    dry_run: bool
    sources: dict[str, str]
    keys_compared: int
    rows_inserted: int
    new_models: int
    corrections: int
    rows_ended: int
    proposals_raised: int
    proposals_reopened: int
    proposals_superseded: int
    proposals_decided_by_project_review: int
    proposals_pending: int
    disagreement_count: int
    changes: list[RowChange]
    disagreements: list[Disagreement]
    deviations: list[Deviation]
    deviation_reasons: dict[str, int]
    skipped: list[SkippedKey]
    coverage_before: Coverage
    coverage_after: Coverage

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.rows_inserted
            or self.rows_ended
            or self.proposals_raised
            or self.proposals_superseded
            or self.proposals_decided_by_project_review
        )


def build_report(plan: Plan, candidates: Mapping[PriceKey, Candidate], *, org_slug: str, dry_run: bool) -> SyncReport:
    context = plan.context
    changes = [_row_change(o) for o in plan.outcomes if o.new_row is not None]
    disagreements = [
        Disagreement(
            **KeyFields.of(o.key),
            column=d.column,
            genai_prices=d.genai_prices,
            litellm=d.litellm,
            catalog=d.new,
            resolution=d.basis,
        )
        for o in plan.outcomes
        for d in o.decisions
        if d.status == "disagree" and d.genai_prices is not None and d.litellm is not None
    ]
    deviations = _deviations(plan, candidates)
    return SyncReport(
        org_slug=org_slug,
        as_of=context.as_of,
        checked_at=context.checked_at,
        dry_run=dry_run,
        sources=dict(context.versions),
        keys_compared=sum(1 for o in plan.outcomes if o.decisions),
        rows_inserted=len(changes),
        new_models=sum(1 for c in changes if c.kind == "new_model"),
        corrections=sum(1 for c in changes if c.kind == "correction"),
        rows_ended=sum(1 for c in changes if c.previous_pricing_id is not None),
        proposals_raised=plan.proposals_raised,
        proposals_reopened=plan.proposals_reopened,
        proposals_superseded=plan.proposals_superseded,
        proposals_decided_by_project_review=plan.proposals_reviewed,
        proposals_pending=sum(1 for p in plan.proposals_after if p["status"] == "pending"),
        disagreement_count=len(disagreements),
        changes=changes,
        disagreements=disagreements,
        deviations=deviations,
        deviation_reasons=dict(Counter(_reason_class(d.reason) for d in deviations)),
        skipped=[
            SkippedKey(**KeyFields.of(o.key), action=o.action, reason=o.reason)
            for o in plan.outcomes
            if o.action in ("skipped", "deferred")
        ],
        coverage_before=coverage(plan.rows_before, candidates, context.as_of),
        coverage_after=coverage(plan.rows_after, candidates, context.as_of),
    )


def _row_change(outcome: Any) -> RowChange:
    new, previous = outcome.new_row, outcome.previous
    return RowChange(
        **KeyFields.of(outcome.key),
        kind="correction" if previous is not None else "new_model",
        pricing_id=new["pricing_id"],
        effective_date=new["effective_date"],
        previous_pricing_id=previous["pricing_id"] if previous else None,
        previous_effective_date=previous["effective_date"] if previous else None,
        previous_end_date=new["effective_date"] - dt.timedelta(days=1) if previous else None,
        rates=[RateChange(column=d.column, before=d.current, after=d.new, basis=d.basis) for d in outcome.changed],
    )


def _deviations(plan: Plan, candidates: Mapping[PriceKey, Candidate]) -> list[Deviation]:
    """Rates of current catalog rows (after the sync) that agree with neither source, with the reason."""
    outcomes = {o.key: o for o in plan.outcomes}
    found = []
    for row in plan.rows_after:
        if not row["is_enabled"] or not valid_on(row, plan.context.as_of):
            continue
        key = PriceKey(row["provider"], row["model_id"], row["region"], row["service_tier"])
        candidate = candidates.get(key)
        outcome = outcomes.get(key)
        decisions = {d.column: d for d in outcome.decisions} if outcome and not row["is_custom"] else {}
        for column in RATE_COLUMNS:
            value = as_decimal(row[column])
            if value is None:
                continue
            gp = candidate.genai_prices.rates.get(column) if candidate and candidate.genai_prices else None
            ll = candidate.litellm.rates.get(column) if candidate and candidate.litellm else None
            if agree(value, gp) or agree(value, ll):
                continue
            if row["is_custom"]:
                reason = "custom row: the organization's own price"
            elif candidate is None or not candidate.quotes:
                reason = "no source lists this model"
            elif column in decisions:
                reason = decisions[column].basis
            else:
                reason = outcome.reason if outcome else "not compared"
            found.append(
                Deviation(
                    **KeyFields.of(key),
                    pricing_id=row["pricing_id"],
                    is_custom=row["is_custom"],
                    column=column,
                    value=value,
                    genai_prices=gp,
                    litellm=ll,
                    reason=reason,
                )
            )
    return found


_REASON_CLASSES = (
    "custom row",
    "no source lists this model",
    "no source lists this rate",
    "sources disagree",
    "only genai-prices lists it",
    "only LiteLLM lists it",
    "disabled",
    "pricing_type",
)


def _reason_class(reason: str) -> str:
    """A reason without its ids, for counting (``proposal <id> rejected: ...`` -> ``proposal rejected``)."""
    for prefix in _REASON_CLASSES:
        if reason.startswith(prefix):
            return prefix
    if reason.startswith("proposal "):
        return "proposal " + ("rejected" if " rejected" in reason else "accepted")
    return reason.split(":")[0]
