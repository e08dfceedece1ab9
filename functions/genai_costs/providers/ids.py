"""Provider and flow identifiers used everywhere (messages, table names, secrets, SQL).

The ids come from the provider catalog (``genai_costs.model.provider_catalog``), the one place
that lists providers; this module only re-exports them and names secrets.
"""

from __future__ import annotations

from ..model.provider_catalog import COMMITMENT_TYPE_IDS, FLOWS, PROVIDER_IDS, CommitmentType, Flow, Provider

PROVIDERS: tuple[str, ...] = PROVIDER_IDS
COMMITMENT_TYPES: tuple[str, ...] = COMMITMENT_TYPE_IDS

__all__ = ["COMMITMENT_TYPES", "FLOWS", "PROVIDERS", "CommitmentType", "Flow", "Provider", "secret_id"]


def secret_id(org_slug: str, provider: str) -> str:
    """Secret Manager id holding one organization's credentials for one provider."""
    # Secret ids allow [A-Za-z0-9_-]; the slug is validated before it gets here.
    return f"genai-{org_slug}-{provider}"
