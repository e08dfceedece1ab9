"""Deterministic row ids: the same provider bucket gets the same id on every run, so a cost
row can always be traced to the usage row (and re-runs replace rather than duplicate)."""

from __future__ import annotations

import hashlib
import json

from .records import CostRecord, UsageRecord

_USAGE_DIMENSIONS = (
    "provider",
    "source",
    "bucket_start",
    "bucket_width",
    "model",
    "region",
    "service_tier",
    "is_batch",
    "project_id",
    "api_key_id",
    "deployment",
    "context_window",
)
_COST_DIMENSIONS = (
    "provider",
    "source",
    "usage_date",
    "model",
    "project_id",
    "line_item",
    "token_type",
    "service_tier",
    "currency",
)


def _digest(values: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]


def usage_record_id(record: UsageRecord) -> str:
    return _digest({k: getattr(record, k) for k in _USAGE_DIMENSIONS})


def cost_record_id(record: CostRecord) -> str:
    return _digest({k: getattr(record, k) for k in _COST_DIMENSIONS})
