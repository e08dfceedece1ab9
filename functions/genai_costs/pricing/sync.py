"""``genai-costs prices sync``, the scheduled sync function and proposal review, end to end.

Read the catalog and the proposals, build the candidates from both pinned sources, plan, and write
the plan in ONE transaction (new rows, end dates, proposals, audit rows) - or, for a dry run / diff,
only report it. A re-run with the same sources and catalog plans nothing and writes nothing.

A review records reviewers' decisions on pending proposals and applies what they unblock in the same
transaction: the decided proposals feed the same plan a sync makes.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import ValidationError
from ..orgs import validate_org_slug
from ..providers.ids import PROVIDERS
from ..warehouse.base import Warehouse
from .audit import AUDIT_TABLE, audit_row
from .candidates import Candidate, build_candidates
from .litellm_data import LiteLLMData
from .litellm_data import load_bundled as load_litellm
from .plan import Plan, SyncContext, make_plan, row_key
from .proposals import PROPOSALS_TABLE, load_reviewed
from .rates import INTEGER_COLUMNS, NUMERIC_QUANTUM, PriceKey
from .report import SyncReport, build_report
from .sources import litellm
from .sources.genai_prices import GenAIPricesData, GenAIPricesSource
from .sources.genai_prices import load_bundled as load_genai_prices
from .store import PRICING_TABLE, CatalogStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PriceSources:
    """Both sources' data, as pinned (``bundled``) or as a test gives them."""

    genai_prices: GenAIPricesData
    litellm: LiteLLMData

    @classmethod
    def bundled(cls) -> PriceSources:
        return cls(genai_prices=load_genai_prices(), litellm=load_litellm())

    @property
    def versions(self) -> dict[str, str]:
        return {"genai-prices": self.genai_prices.version, "litellm": self.litellm.version}

    def candidates(self, as_of: dt.date, catalog_keys: set[PriceKey]) -> dict[PriceKey, Candidate]:
        return build_candidates(
            GenAIPricesSource(self.genai_prices, as_of),
            litellm.quotes(self.litellm, as_of),
            catalog_keys,
            PROVIDERS,
        )


class _OrgRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_slug: str = Field(description="Organization slug")
    as_of: dt.date | None = Field(None, description="Sync date (UTC); default today")

    @field_validator("org_slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        try:
            return validate_org_slug(value)
        except ValidationError as exc:
            raise ValueError(str(exc)) from exc


class SyncRequest(_OrgRequest):
    dry_run: bool = Field(False, description="Plan and report only; write nothing")


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proposal_id: str = Field(min_length=1)
    action: Literal["accept", "reject"]
    use: Literal["genai-prices", "litellm", "manual"] | None = Field(
        None, description="accept: whose value; default the only source listing it (a disagreement needs a choice)"
    )
    value: Decimal | None = Field(None, description="accept with use=manual: the value, in the column's unit")
    reason: str | None = Field(None, max_length=1000)


class ReviewRequest(_OrgRequest):
    decisions: list[ReviewDecision] = Field(min_length=1)
    actor: str = Field(min_length=1, max_length=200)
    dry_run: bool = False


class ReviewResult(BaseModel):
    decided: dict[str, str]  # proposal_id -> accepted | rejected
    report: SyncReport


@dataclass
class _Run:
    store: CatalogStore
    plan: Plan
    candidates: dict[PriceKey, Candidate]


def _context(sources: PriceSources, as_of: dt.date | None, now: dt.datetime | None) -> SyncContext:
    checked_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return SyncContext(as_of=as_of or checked_at.date(), checked_at=checked_at, versions=sources.versions)


def _plan(
    warehouse: Warehouse,
    org_slug: str,
    sources: PriceSources,
    context: SyncContext,
    proposals_override: dict[str, dict[str, Any]] | None = None,
) -> _Run:
    store = CatalogStore(warehouse, org_slug)
    store.require_tables(PRICING_TABLE, PROPOSALS_TABLE, AUDIT_TABLE)
    rows = store.pricing_rows()
    proposals = {p["proposal_id"]: p for p in store.proposals()}
    proposals.update(proposals_override or {})
    candidates = sources.candidates(context.as_of, {row_key(r) for r in rows if not r["is_custom"]})
    reviewed = load_reviewed(store.root / "seed" / "price_review.csv")
    return _Run(store, make_plan(rows, proposals.values(), candidates, context, reviewed), candidates)


def run_sync(
    warehouse: Warehouse,
    request: SyncRequest,
    *,
    sources: PriceSources | None = None,
    now: dt.datetime | None = None,
) -> SyncReport:
    sources = sources or PriceSources.bundled()
    context = _context(sources, request.as_of, now)
    run = _plan(warehouse, request.org_slug, sources, context)
    if not request.dry_run and not run.plan.is_empty:
        run.store.write_sync(run.plan.pricing_rows, run.plan.proposal_rows, run.plan.audit_rows)
    report = build_report(run.plan, run.candidates, org_slug=request.org_slug, dry_run=request.dry_run)
    report.pricing_rows = run.plan.pricing_rows
    log.info(
        "price sync %s: %d rows inserted, %d ended, %d proposals raised, %d superseded, %d pending%s",
        request.org_slug,
        report.rows_inserted,
        report.rows_ended,
        report.proposals_raised,
        report.proposals_superseded,
        report.proposals_pending,
        " (dry run)" if request.dry_run else "",
    )
    return report


def _decided_value(proposal: dict[str, Any], decision: ReviewDecision) -> tuple[Decimal, str]:
    gp, ll = proposal["genai_prices_value"], proposal["litellm_value"]
    use = decision.use
    if use is None:
        if gp is not None and ll is not None:
            raise ValidationError(
                f"proposal {decision.proposal_id}: the sources disagree ({gp} vs {ll}); choose use=genai-prices, "
                "use=litellm or use=manual with a value"
            )
        use = "genai-prices" if gp is not None else "litellm"
    if use == "manual":
        if decision.value is None:
            raise ValidationError(f"proposal {decision.proposal_id}: use=manual needs a value")
        value = decision.value
    else:
        if decision.value is not None:
            raise ValidationError(f"proposal {decision.proposal_id}: a value is only taken with use=manual")
        source_value = gp if use == "genai-prices" else ll
        if source_value is None:
            raise ValidationError(f"proposal {decision.proposal_id}: {use} does not list this rate")
        value = source_value
    try:
        if not value.is_finite() or value < 0:
            raise ValidationError(f"proposal {decision.proposal_id}: the value must be a non-negative number")
        if value != value.quantize(NUMERIC_QUANTUM):
            raise ValidationError(f"proposal {decision.proposal_id}: at most 9 decimal places (NUMERIC)")
        if proposal["rate_column"] in INTEGER_COLUMNS and value != value.to_integral_value():
            raise ValidationError(f"proposal {decision.proposal_id}: {proposal['rate_column']} is a whole number")
    except InvalidOperation as exc:
        raise ValidationError(f"proposal {decision.proposal_id}: not a valid number") from exc
    return value, use


def review(
    warehouse: Warehouse,
    request: ReviewRequest,
    *,
    sources: PriceSources | None = None,
    now: dt.datetime | None = None,
) -> ReviewResult:
    """Accept or reject pending proposals and write what that settles, in one transaction.

    Every decision is validated before anything is written: an unknown or already decided proposal,
    an ambiguous accept, or a bad value fails the whole request."""
    sources = sources or PriceSources.bundled()
    context = _context(sources, request.as_of, now)
    store = CatalogStore(warehouse, request.org_slug)
    store.require_tables(PRICING_TABLE, PROPOSALS_TABLE, AUDIT_TABLE)
    known = {p["proposal_id"]: p for p in store.proposals()}
    decided: dict[str, dict[str, Any]] = {}
    audit: list[dict[str, Any]] = []
    seen: set[str] = set()
    for decision in request.decisions:
        pid = decision.proposal_id
        if pid in seen:
            raise ValidationError(f"proposal {pid} is decided twice in one request")
        seen.add(pid)
        proposal = known.get(pid)
        if proposal is None:
            raise ValidationError(f"no proposal {pid}")
        if proposal["status"] != "pending":
            raise ValidationError(f"proposal {pid} is {proposal['status']}, not pending")
        fields: dict[str, Any] = {
            "decided_by": request.actor,
            "decided_at": context.checked_at,
            "decision_reason": decision.reason,
        }
        if decision.action == "accept":
            value, use = _decided_value(proposal, decision)
            fields.update(status="accepted", decided_value=value, decided_source=use)
        else:
            if decision.value is not None or decision.use is not None:
                raise ValidationError(f"proposal {pid}: a rejection takes no value")
            fields.update(status="rejected")
        decided[pid] = {**proposal, **fields}
        audit.append(
            audit_row(
                table=PROPOSALS_TABLE,
                row_id=pid,
                action=f"proposal_{decision.action}",
                actor=request.actor,
                at=context.checked_at,
                provider=proposal["provider"],
                before=proposal,
                after=decided[pid],
                reason=decision.reason,
            )
        )
    run = _plan(warehouse, request.org_slug, sources, context, decided)
    # The plan's own proposal rows (applied ids, supersessions) carry the decisions already.
    planned = {p["proposal_id"]: p for p in run.plan.proposal_rows}
    proposal_rows = [planned.pop(pid, row) for pid, row in decided.items()] + list(planned.values())
    if not request.dry_run:
        run.store.write_sync(run.plan.pricing_rows, proposal_rows, audit + run.plan.audit_rows)
    report = build_report(run.plan, run.candidates, org_slug=request.org_slug, dry_run=request.dry_run)
    report.pricing_rows = run.plan.pricing_rows
    return ReviewResult(decided={pid: row["status"] for pid, row in decided.items()}, report=report)


def default_actor() -> str:
    """Who runs the CLI, for audit rows (the OS account; --actor overrides it)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
