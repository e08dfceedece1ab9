"""Provider and flow identifiers used everywhere (messages, table names, secrets, SQL)."""

from __future__ import annotations

from typing import Literal, get_args

Provider = Literal["openai", "anthropic", "gemini", "azure_openai", "aws_bedrock", "vertex_ai"]
PROVIDERS: tuple[str, ...] = get_args(Provider)

CommitmentType = Literal["azure_ptu", "bedrock_pt", "vertex_gsu", "vertex_gpu"]
COMMITMENT_TYPES: tuple[str, ...] = get_args(CommitmentType)

Flow = Literal["payg", "commitment", "infrastructure"]
FLOWS: tuple[str, ...] = get_args(Flow)


def secret_id(org_slug: str, provider: str) -> str:
    """Secret Manager id holding one organization's credentials for one provider."""
    # Secret ids allow [A-Za-z0-9_-]; the slug is validated before it gets here.
    return f"genai-{org_slug}-{provider}"
