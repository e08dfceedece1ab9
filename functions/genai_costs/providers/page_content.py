"""What a page of a paged provider API says, without its paging fields: two pages with the same
fingerprint carry the same records, whatever cursors they came with. Used by
:func:`genai_costs.providers.http.paginate` to notice a provider serving a page again under a
fresh cursor (a replayed or restarted listing), which a cursor-only guard cannot see."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

# Cursor and has-more fields of every API we page through (OpenAI / Anthropic, Azure, AWS, Google).
PAGING_FIELDS = frozenset(
    {
        "has_more",
        "next_page",
        "first_id",
        "last_id",
        "nextLink",
        "NextToken",
        "NextPageToken",
        "nextToken",
        "nextPageToken",
        "pageToken",
    }
)


def _without_paging(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_paging(v) for k, v in value.items() if k not in PAGING_FIELDS}
    if isinstance(value, (list, tuple)):
        return [_without_paging(v) for v in value]
    return value


def page_fingerprint(page: object) -> str:
    """SHA-256 of the page's content with every paging field left out."""
    data = page.model_dump(mode="json") if isinstance(page, BaseModel) else page
    text = json.dumps(_without_paging(data), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
