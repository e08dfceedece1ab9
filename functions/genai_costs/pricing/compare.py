"""One rate of one price key: what the sources say, what the catalog has, and what the row should carry.

The rules, in order:

1. Both sources list the rate and agree within 1 %: the agreed value (the less rounded spelling of the
   two) is accepted. The catalog keeps its own value when that is within 1 % of it (no churn).
2. A reviewer decided a proposal on exactly these source values: accepted -> its value; rejected ->
   the catalog keeps what it has (the rejection is the documented reason).
3. No source lists the rate: the catalog keeps what it has (nothing contradicts it).
4. The catalog's value agrees with one of the sources: kept (a disagreement between the sources is
   reported, but the rate is backed by a source).
5. Otherwise the rate becomes a proposal and the catalog keeps what it has until it is decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .proposals import proposal_id
from .rates import PriceKey, agree, more_precise

Status = Literal["agree", "disagree", "only_genai_prices", "only_litellm", "unlisted"]
AGREED = "genai-prices and LiteLLM agree within 1 %"


@dataclass(frozen=True)
class RateDecision:
    column: str
    status: Status
    genai_prices: Decimal | None
    litellm: Decimal | None
    current: Decimal | None
    new: Decimal | None  # what the row carries after the sync
    basis: str  # why ``new`` is what it is
    proposal_id: str | None = None  # the proposal this rate waits on, or was decided by
    needs_proposal: bool = False

    @property
    def changed(self) -> bool:
        return self.new != self.current

    @property
    def backed(self) -> bool:
        """The value the row carries agrees with a source."""
        return agree(self.new, self.genai_prices) or agree(self.new, self.litellm)


def status_of(genai_prices: Decimal | None, litellm: Decimal | None) -> Status:
    if genai_prices is not None and litellm is not None:
        return "agree" if agree(genai_prices, litellm) else "disagree"
    if genai_prices is not None:
        return "only_genai_prices"
    if litellm is not None:
        return "only_litellm"
    return "unlisted"


def decide(
    key: PriceKey,
    column: str,
    genai_prices: Decimal | None,
    litellm: Decimal | None,
    current: Decimal | None,
    proposals: Mapping[str, Mapping[str, Any]],
) -> RateDecision:
    status = status_of(genai_prices, litellm)
    args = (column, status, genai_prices, litellm, current)

    def settle(target: Decimal, basis: str, pid: str | None = None) -> RateDecision:
        if agree(current, target):
            return RateDecision(*args, new=current, basis=f"{basis}; catalog already within 1 %", proposal_id=pid)
        return RateDecision(*args, new=target, basis=basis, proposal_id=pid)

    if status == "agree":
        assert genai_prices is not None and litellm is not None
        return settle(more_precise(genai_prices, litellm), AGREED)
    if status == "unlisted":
        return RateDecision(*args, new=current, basis="no source lists this rate")
    pid = proposal_id(key, column, genai_prices, litellm)
    decided = proposals.get(pid)
    if decided is not None and decided["status"] == "accepted":
        source = decided["decided_source"] or "manual"
        return settle(decided["decided_value"], f"proposal {pid} accepted ({source}) by {decided['decided_by']}", pid)
    if decided is not None and decided["status"] == "rejected":
        reason = decided["decision_reason"] or "no reason given"
        return RateDecision(*args, new=current, basis=f"proposal {pid} rejected: {reason}", proposal_id=pid)
    if agree(current, genai_prices) or agree(current, litellm):
        backing = "genai-prices" if agree(current, genai_prices) else "LiteLLM"
        return RateDecision(*args, new=current, basis=f"catalog agrees with {backing}")
    waiting = {"disagree": "sources disagree", "only_genai_prices": "only genai-prices lists it"}.get(
        status, "only LiteLLM lists it"
    )
    return RateDecision(*args, new=current, basis=f"{waiting}: proposal {pid}", proposal_id=pid, needs_proposal=True)
