"""Price proposals (``llm_price_proposals``): one rate of one price key the sources do not settle.

A proposal's id is derived from what it proposes (key, rate column, both sources' values), so a re-run
with the same sources finds the proposal it raised before instead of raising another, and a decision
stays attached to exactly the values it was made on: when a source changes its value, the old proposal
is superseded and a new one is raised.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigurationError
from .rates import RATE_COLUMNS, PriceKey, canonical

PROPOSALS_TABLE = "llm_price_proposals"
Status = Literal["pending", "accepted", "rejected", "superseded"]
Kind = Literal["disagreement", "single_source"]
STATUSES: tuple[Status, ...] = ("pending", "accepted", "rejected", "superseded")


def _text(value: Decimal | None) -> str:
    return "none" if value is None else format(canonical(value), "f")


def proposal_id(key: PriceKey, column: str, genai_prices: Decimal | None, litellm: Decimal | None) -> str:
    name = (
        f"genai-costs/price-proposal/{key.provider}/{key.model_id}/{key.region or ''}/{key.service_tier or ''}/"
        f"{column}/{_text(genai_prices)}/{_text(litellm)}"
    )
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def proposal_key(row: Mapping[str, Any]) -> PriceKey:
    return PriceKey(row["provider"], row["model_id"], row["region"], row["service_tier"])


def new_proposal(
    *,
    key: PriceKey,
    column: str,
    kind: Kind,
    current: Decimal | None,
    current_pricing_id: str | None,
    genai_prices: Decimal | None,
    litellm: Decimal | None,
    versions: Mapping[str, str],
    refs: Mapping[str, str | None],
    checked_at: dt.datetime,
) -> dict[str, Any]:
    return {
        "proposal_id": proposal_id(key, column, genai_prices, litellm),
        "provider": key.provider,
        "model_id": key.model_id,
        "region": key.region,
        "service_tier": key.service_tier,
        "rate_column": column,
        "kind": kind,
        "current_value": current,
        "current_pricing_id": current_pricing_id,
        "genai_prices_value": genai_prices,
        "genai_prices_version": versions.get("genai-prices") if genai_prices is not None else None,
        "genai_prices_ref": refs.get("genai-prices"),
        "litellm_value": litellm,
        "litellm_version": versions.get("litellm") if litellm is not None else None,
        "litellm_ref": refs.get("litellm"),
        "checked_at": checked_at,
        "status": "pending",
        "decided_value": None,
        "decided_source": None,
        "decided_by": None,
        "decided_at": None,
        "decision_reason": None,
        "applied_pricing_id": None,
    }


PROJECT_REVIEWER = "genai-costs review (sql/seed/price_review.csv)"


def load_reviewed(path: Path) -> dict[str, dict[str, Any]]:
    """Decisions the project's maintainers took on proposals every organization's seed catalog raises
    (``sql/seed/price_review.csv``), keyed by proposal id: each applies only to exactly the source values
    it names, so a source that changes its value raises a new proposal instead."""
    if not path.is_file():
        return {}
    decided: dict[str, dict[str, Any]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            where = f"{path.name}:{line}"
            try:
                gp = Decimal(row["genai_prices_value"]) if row["genai_prices_value"] else None
                ll = Decimal(row["litellm_value"]) if row["litellm_value"] else None
                manual = Decimal(row["value"]) if row["value"] else None
            except InvalidOperation as exc:
                raise ConfigurationError(f"{where}: not a number") from exc
            if row["rate_column"] not in RATE_COLUMNS or row["action"] not in ("accept", "reject"):
                raise ConfigurationError(f"{where}: unknown rate_column or action")
            source = row["use"] or None
            value = {"genai-prices": gp, "litellm": ll, "manual": manual, None: None}.get(source)
            if row["action"] == "accept" and value is None:
                raise ConfigurationError(f"{where}: an accept names use=genai-prices|litellm|manual and its value")
            if not row["reason"]:
                raise ConfigurationError(f"{where}: every decision gives its reason")
            key = PriceKey(row["provider"], row["model_id"], row["region"] or None, row["service_tier"] or None)
            decided[proposal_id(key, row["rate_column"], gp, ll)] = {
                "status": "accepted" if row["action"] == "accept" else "rejected",
                "decided_value": value if row["action"] == "accept" else None,
                "decided_source": source if row["action"] == "accept" else None,
                "decided_by": PROJECT_REVIEWER,
                "decision_reason": row["reason"],
            }
    return decided
