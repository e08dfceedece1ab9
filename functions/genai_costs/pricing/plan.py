"""The sync's plan: from the catalog, the proposals and both sources' quotes, what to write. No I/O.

Per price key (provider, model, region, tier) and only for non-custom rows (custom rows are the
organization's own and never touched):

- every rate is decided by :func:`genai_costs.pricing.compare.decide`;
- a key with a current row and a changed rate gets a NEW row from the sync date, carrying the previous
  row's other fields, and the previous row's ``end_date`` becomes the day before (nothing else of it
  changes: prices are never overwritten). A row that starts on the sync date itself is left alone and
  the change waits for the next day's sync;
- a key without a row gets one when its input and output rates are settled, valid from the catalog's
  first day (2024-01-01) unless genai-prices dates the current price (then from that date): usage
  cannot predate a model, so this prices the usage already ingested; an earlier price neither source
  records is the one thing it can get wrong, and ``prices diff`` shows every such row before it is
  written. Models every listing source marks deprecated get no new row;
- skipped, and said so: rows a user disabled, discounted or negotiated rows (the sync maintains list
  prices), keys with a row scheduled after the sync date;
- unsettled rates become proposals; pending proposals the sources no longer raise are superseded.

Running the plan again on its own result plans nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .audit import audit_row
from .candidates import Candidate
from .compare import AGREED, RateDecision, decide
from .proposals import new_proposal, proposal_key
from .rates import INTEGER_COLUMNS, RATE_COLUMNS, REQUIRED_RATES, SOURCES, PriceKey, as_decimal, canonical

FLOOR_DATE = dt.date(2024, 1, 1)
# The dated-snapshot suffix sp_genai_2_consolidate_costs_daily resolves to the base id (-2024-08-06, -20240806).
SNAPSHOT_SUFFIX = re.compile(r"-[0-9]{4}-?[0-9]{2}-?[0-9]{2}$")
PRICING_TABLE = "llm_model_pricing"
SYNC_ACTOR = "price-sync"
LIST_PRICE_TYPES = frozenset({"standard", "free_tier"})
Action = Literal["new_row", "supersede", "unchanged", "awaiting_review", "deferred", "skipped"]


@dataclass(frozen=True)
class SyncContext:
    as_of: dt.date
    checked_at: dt.datetime
    versions: Mapping[str, str]
    actor: str = SYNC_ACTOR

    @property
    def version_label(self) -> str:
        return "; ".join(f"{name}=={self.versions[name]}" for name in SOURCES if name in self.versions)


@dataclass
class KeyOutcome:
    key: PriceKey
    action: Action
    reason: str
    decisions: tuple[RateDecision, ...] = ()
    previous: dict[str, Any] | None = None
    new_row: dict[str, Any] | None = None
    candidate: Candidate | None = None

    @property
    def changed(self) -> list[RateDecision]:
        return [d for d in self.decisions if d.changed]


@dataclass
class Plan:
    context: SyncContext
    outcomes: list[KeyOutcome]
    pricing_rows: list[dict[str, Any]] = field(default_factory=list)  # closed previous rows, then new rows
    proposal_rows: list[dict[str, Any]] = field(default_factory=list)  # raised, reopened, superseded, applied
    audit_rows: list[dict[str, Any]] = field(default_factory=list)
    rows_before: list[dict[str, Any]] = field(default_factory=list)
    rows_after: list[dict[str, Any]] = field(default_factory=list)
    proposals_after: list[dict[str, Any]] = field(default_factory=list)
    proposals_raised: int = 0
    proposals_reopened: int = 0
    proposals_superseded: int = 0
    proposals_reviewed: int = 0  # decided by the project's own review (sql/seed/price_review.csv)

    @property
    def is_empty(self) -> bool:
        return not self.pricing_rows and not self.proposal_rows


def row_key(row: Mapping[str, Any]) -> PriceKey:
    return PriceKey(row["provider"], row["model_id"], row["region"], row["service_tier"])


def valid_on(row: Mapping[str, Any], day: dt.date) -> bool:
    return row["effective_date"] <= day and (row["end_date"] is None or day <= row["end_date"])


def make_plan(
    rows: Iterable[Mapping[str, Any]],
    proposals: Iterable[Mapping[str, Any]],
    candidates: Mapping[PriceKey, Candidate],
    context: SyncContext,
    reviewed: Mapping[str, Mapping[str, Any]] | None = None,
) -> Plan:
    """``reviewed``: decisions shipped with the project (proposals.load_reviewed); an organization's own
    decision on the same proposal takes precedence."""
    all_rows = [dict(r) for r in rows]
    by_key: dict[PriceKey, list[dict[str, Any]]] = {}
    for row in all_rows:
        if not row["is_custom"]:
            by_key.setdefault(row_key(row), []).append(row)
    known = {p["proposal_id"]: dict(p) for p in proposals}
    presets = {pid: dict(d) for pid, d in (reviewed or {}).items() if pid not in known}
    lookup = {**presets, **known}
    plan = Plan(context=context, outcomes=[], rows_before=all_rows)
    raised: dict[str, tuple[PriceKey, RateDecision]] = {}
    decided_now: dict[tuple[PriceKey, str], RateDecision] = {}

    aliases = snapshot_aliases(candidates)
    for key in sorted(set(candidates) | set(by_key), key=_sort_key):
        history = sorted(by_key.get(key, []), key=lambda r: r["effective_date"])
        if key in aliases and not history:
            reason = f"dated snapshot of {aliases[key]} at the same prices: priced by its rows"
            plan.outcomes.append(KeyOutcome(key, "skipped", reason, candidate=candidates[key]))
            continue
        outcome = _plan_key(key, candidates.get(key), history, lookup, context)
        plan.outcomes.append(outcome)
        for decision in outcome.decisions:
            decided_now[(key, decision.column)] = decision
            if decision.needs_proposal and decision.proposal_id:
                raised[decision.proposal_id] = (key, decision)
        _write_rows(plan, outcome, context)

    _write_proposals(plan, known, raised, decided_now, context)
    _write_reviewed(plan, presets, decided_now, context)
    closed = {r["pricing_id"]: r for r in plan.pricing_rows if r.get("end_date") is not None}
    existing = {r["pricing_id"] for r in all_rows}
    plan.rows_after = [closed.get(r["pricing_id"], r) for r in all_rows]
    plan.rows_after += [r for r in plan.pricing_rows if r["pricing_id"] not in existing]
    written = {p["proposal_id"]: p for p in plan.proposal_rows}
    plan.proposals_after = [written.pop(pid, p) for pid, p in known.items()] + list(written.values())
    return plan


def _plan_key(
    key: PriceKey,
    candidate: Candidate | None,
    history: list[dict[str, Any]],
    proposals: Mapping[str, Mapping[str, Any]],
    context: SyncContext,
) -> KeyOutcome:
    as_of = context.as_of
    current = next((r for r in reversed(history) if valid_on(r, as_of)), None)
    latest = history[-1] if history else None
    if candidate is None or not candidate.quotes:
        return KeyOutcome(key, "unchanged", "no source lists this model", previous=current)
    if latest is not None and latest["effective_date"] > as_of:
        reason = f"a row from {latest['effective_date']} is already scheduled"
        return KeyOutcome(key, "skipped", reason, previous=current)
    if current is not None and not current["is_enabled"]:
        return KeyOutcome(key, "skipped", "disabled by a user: the sync leaves it alone", previous=current)
    if current is not None and not _list_priced(current):
        reason = f"pricing_type {current['pricing_type']} with a discount: the sync maintains list prices only"
        return KeyOutcome(key, "skipped", reason, previous=current)

    gp = candidate.genai_prices.rates if candidate.genai_prices else {}
    ll = candidate.litellm.rates if candidate.litellm else {}
    decisions = tuple(
        decide(key, c, gp.get(c), ll.get(c), as_decimal(current[c]) if current else None, proposals)
        for c in RATE_COLUMNS
    )
    if current is not None:
        decisions = _drop_stale_derived_rates(decisions)
    outcome = KeyOutcome(key, "unchanged", "", decisions, current, candidate=candidate)
    if current is not None:
        if not outcome.changed:
            outcome.reason = "matches the sources"
        elif current["effective_date"] >= as_of:
            outcome.action, outcome.reason = "deferred", f"the current row starts on {as_of}; next day's sync"
        else:
            outcome.action, outcome.reason = "supersede", "a rate changed"
            outcome.new_row = _new_row(key, current, decisions, candidate, as_of, context)
        return outcome
    if not candidate.current:
        outcome.action, outcome.reason = "skipped", "deprecated in every source that lists it"
        outcome.decisions = ()
        return outcome
    by_column = {d.column: d for d in decisions}
    if any(by_column[c].new is None for c in REQUIRED_RATES):
        outcome.action, outcome.reason = "awaiting_review", "input or output price not settled"
        return outcome
    start = FLOOR_DATE
    if candidate.genai_prices and candidate.genai_prices.effective_from:
        start = max(start, candidate.genai_prices.effective_from)
    if latest is not None and latest["end_date"] is not None:
        start = max(start, latest["end_date"] + dt.timedelta(days=1))
    outcome.action, outcome.reason = "new_row", "a model the catalog did not price"
    outcome.new_row = _new_row(key, None, decisions, candidate, min(start, as_of), context)
    return outcome


# Rates usually set relative to a base rate (a cache read at 10 % of input, batch at 50 %...).
_BASE_OF = {
    "cached_input_price_per_1k": "input_price_per_1k",
    "cache_write_5m_price_per_1k": "input_price_per_1k",
    "cache_write_1h_price_per_1k": "input_price_per_1k",
    "batch_input_price_per_1k": "input_price_per_1k",
    "long_context_input_price_per_1k": "input_price_per_1k",
    "audio_input_price_per_1k": "input_price_per_1k",
    "batch_output_price_per_1k": "output_price_per_1k",
    "long_context_output_price_per_1k": "output_price_per_1k",
    "audio_output_price_per_1k": "output_price_per_1k",
}


def _drop_stale_derived_rates(decisions: tuple[RateDecision, ...]) -> tuple[RateDecision, ...]:
    """When a base rate changes, a rate no source lists that the previous row set relative to it is not
    carried into the new row: o1-mini's launch-era batch rate ($1.50 per 1M, half of $3) would bill batch
    input above today's $1.10 standard rate. NULL bills it at the (new) base rate, as the schema says."""
    changed = {d.column for d in decisions if d.changed}
    out = []
    for d in decisions:
        base = _BASE_OF.get(d.column)
        if base in changed and d.status == "unlisted" and d.current is not None:
            basis = f"no source lists it; not carried over: {_text(d.current)} was set against the previous {base}"
            d = replace(d, new=None, basis=basis)
        out.append(d)
    return tuple(out)


def snapshot_aliases(candidates: Mapping[PriceKey, Candidate]) -> dict[PriceKey, str]:
    """Keys whose model id is another key's id plus a date (``gpt-4o-2024-08-06``) and whose sources
    quote exactly the same rates: the catalog prices them through the base id's rows (the snapshot
    rule of sp_genai_2_consolidate_costs_daily), so they need no rows or proposals of their own."""
    aliases = {}
    for key, candidate in candidates.items():
        base_id = SNAPSHOT_SUFFIX.sub("", key.model_id)
        base = candidates.get(key._replace(model_id=base_id))
        if base_id == key.model_id or base is None:
            continue
        if _rates_of(candidate) == _rates_of(base):
            aliases[key] = base_id
    return aliases


def _rates_of(candidate: Candidate) -> tuple[dict[str, Any], dict[str, Any]]:
    gp, ll = candidate.genai_prices, candidate.litellm
    return (dict(gp.rates) if gp else {}), (dict(ll.rates) if ll else {})


def _list_priced(row: Mapping[str, Any]) -> bool:
    return (
        row["pricing_type"] in LIST_PRICE_TYPES
        and row["discount_percentage"] is None
        and row["base_input_price_per_1k"] is None
        and row["base_output_price_per_1k"] is None
    )


def sync_pricing_id(key: PriceKey, effective_date: dt.date) -> str:
    name = (
        f"genai-costs/pricing-sync/{key.provider}/{key.model_id}/{key.region or ''}/{key.service_tier or ''}/"
        f"{effective_date.isoformat()}"
    )
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _new_row(
    key: PriceKey,
    template: Mapping[str, Any] | None,
    decisions: tuple[RateDecision, ...],
    candidate: Candidate,
    effective_date: dt.date,
    context: SyncContext,
) -> dict[str, Any]:
    name = candidate.genai_prices.model_name if candidate.genai_prices else None
    row: dict[str, Any] = (
        dict(template)
        if template is not None
        else {"model_name": name or key.model_id, "pricing_type": "standard", "currency": "USD"}
    )
    for decision in decisions:
        value = decision.new
        row[decision.column] = int(value) if value is not None and decision.column in INTEGER_COLUMNS else value
    if key.provider == "openai":  # the seed schema's OpenAI-only batch columns mirror the generic ones
        row["x_openai_batch_input_price"] = row["batch_input_price_per_1k"]
        row["x_openai_batch_output_price"] = row["batch_output_price_per_1k"]
    notes = []
    if template is not None:
        notes.append(f"follows {template['pricing_id']} (from {template['effective_date']})")
    for d in decisions:
        if d.changed and (template is not None or not d.basis.startswith(AGREED)):
            notes.append(f"{d.column}: {_text(d.current)} -> {_text(d.new)} ({d.basis})")
        elif d.needs_proposal:
            notes.append(f"{d.column}: {d.basis}")
    row.update(
        pricing_id=sync_pricing_id(key, effective_date),
        provider=key.provider,
        model_id=key.model_id,
        region=key.region,
        service_tier=key.service_tier,
        is_custom=False,
        is_enabled=True,
        effective_date=effective_date,
        end_date=None,
        price_source="genai-prices + LiteLLM (price sync)",
        price_source_version=context.version_label,
        price_checked_at=context.checked_at,
        price_note="; ".join(notes),
        created_at=context.checked_at,
        updated_at=context.checked_at,
    )
    return row


def _text(value: Any) -> str:
    return "NULL" if value is None else format(canonical(value), "f")


def _write_rows(plan: Plan, outcome: KeyOutcome, context: SyncContext) -> None:
    new = outcome.new_row
    if new is None:
        return
    provider = outcome.key.provider
    if outcome.previous is not None:
        closed = dict(outcome.previous)
        closed.update(end_date=new["effective_date"] - dt.timedelta(days=1), updated_at=context.checked_at)
        plan.pricing_rows.append(closed)
        plan.audit_rows.append(
            audit_row(
                table=PRICING_TABLE,
                row_id=closed["pricing_id"],
                action="sync_end_date",
                actor=context.actor,
                at=context.checked_at,
                provider=provider,
                before=outcome.previous,
                after=closed,
                reason=f"followed by {new['pricing_id']} from {new['effective_date']}",
            )
        )
    plan.pricing_rows.append(new)
    plan.audit_rows.append(
        audit_row(
            table=PRICING_TABLE,
            row_id=new["pricing_id"],
            action="sync_insert",
            actor=context.actor,
            at=context.checked_at,
            provider=provider,
            before=None,
            after=new,
            reason=new["price_note"],
        )
    )


def _write_proposals(
    plan: Plan,
    known: Mapping[str, dict[str, Any]],
    raised: Mapping[str, tuple[PriceKey, RateDecision]],
    decided_now: Mapping[tuple[PriceKey, str], RateDecision],
    context: SyncContext,
) -> None:
    outcomes = {o.key: o for o in plan.outcomes}
    for pid, (key, decision) in sorted(raised.items()):
        existing = known.get(pid)
        if existing is not None and existing["status"] == "pending":
            continue
        if existing is not None:  # superseded earlier, and the sources are back to these values
            plan.proposal_rows.append({**existing, "status": "pending", "decided_by": None, "decided_at": None})
            plan.proposals_reopened += 1
            continue
        outcome = outcomes[key]
        assert outcome.candidate is not None
        plan.proposal_rows.append(
            new_proposal(
                key=key,
                column=decision.column,
                kind="disagreement" if decision.status == "disagree" else "single_source",
                current=decision.current,
                current_pricing_id=outcome.previous["pricing_id"] if outcome.previous else None,
                genai_prices=decision.genai_prices,
                litellm=decision.litellm,
                versions=context.versions,
                refs={q.source: q.source_ref for q in outcome.candidate.quotes},
                checked_at=context.checked_at,
            )
        )
        plan.proposals_raised += 1
    new_rows = {o.key: o.new_row for o in plan.outcomes if o.new_row is not None}
    for pid, proposal in sorted(known.items()):
        key = proposal_key(proposal)
        now = decided_now.get((key, proposal["rate_column"]))
        if proposal["status"] == "pending" and pid not in raised:
            if now is None:
                why = "the price key is no longer compared"
            elif now.status == "agree":
                why = "the sources now agree"
            elif now.proposal_id != pid:
                why = "a source changed its value"
            else:
                why = f"settled otherwise: {now.basis}"
            superseded = {"status": "superseded", "decided_by": context.actor, "decided_at": context.checked_at}
            plan.proposal_rows.append({**proposal, **superseded, "decision_reason": why})
            plan.proposals_superseded += 1
        elif (
            proposal["status"] == "accepted"
            and proposal["applied_pricing_id"] is None
            and key in new_rows
            and now is not None
            and now.proposal_id == pid
            and now.changed
        ):
            plan.proposal_rows.append({**proposal, "applied_pricing_id": new_rows[key]["pricing_id"]})


def _write_reviewed(
    plan: Plan,
    presets: Mapping[str, Mapping[str, Any]],
    decided_now: Mapping[tuple[PriceKey, str], RateDecision],
    context: SyncContext,
) -> None:
    """Record the project's decisions this run applied, as decided proposals of the organization."""
    outcomes = {o.key: o for o in plan.outcomes}
    new_rows = {o.key: o.new_row for o in plan.outcomes if o.new_row is not None}
    for (key, column), decision in sorted(decided_now.items(), key=lambda kv: (_sort_key(kv[0][0]), kv[0][1])):
        preset = presets.get(decision.proposal_id or "")
        candidate = outcomes[key].candidate
        if preset is None or candidate is None:
            continue
        previous = outcomes[key].previous
        row = new_proposal(
            key=key,
            column=column,
            kind="disagreement" if decision.status == "disagree" else "single_source",
            current=decision.current,
            current_pricing_id=previous["pricing_id"] if previous else None,
            genai_prices=decision.genai_prices,
            litellm=decision.litellm,
            versions=context.versions,
            refs={q.source: q.source_ref for q in candidate.quotes},
            checked_at=context.checked_at,
        )
        applied = new_rows[key]["pricing_id"] if key in new_rows and decision.changed else None
        row.update(preset, decided_at=context.checked_at, applied_pricing_id=applied)
        plan.proposal_rows.append(row)
        plan.proposals_reviewed += 1


def _sort_key(key: PriceKey) -> tuple[str, str, str, str]:
    return key.provider, key.model_id, key.region or "", key.service_tier or ""
