"""Organization slugs: the only user-controlled text that ever becomes an identifier."""

from __future__ import annotations

import re

from .errors import InvalidOrgSlugError

# Lower-case ASCII, starts with a letter, 3..30 chars: always a valid BigQuery dataset id,
# DuckDB schema, Secret Manager id part and Pub/Sub attribute, with nothing to escape.
_SLUG = re.compile(r"[a-z][a-z0-9_]{2,29}")
DATASET_SUFFIX = "_prod"


def validate_org_slug(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidOrgSlugError("org_slug must be a string")
    if not _SLUG.fullmatch(value):
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise InvalidOrgSlugError(
            f"invalid org_slug {shown!r}: use 3-30 characters a-z, 0-9 or '_', starting with a letter"
        )
    return value


def dataset_for(org_slug: str) -> str:
    return validate_org_slug(org_slug) + DATASET_SUFFIX
