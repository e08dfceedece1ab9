"""Seed rows from ``sql/seed/*.csv``, typed by the table spec they load into.

Two kinds: the user's catalogs (prices, subscriptions), where onboarding only adds rows whose key
is missing so custom or edited rows survive; and the reference tables rendered from the provider
catalog (``tools/render_catalog.py``), owned by the code and replaced whole at every onboarding.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .warehouse.tables import FieldSpec, TableSpec


@dataclass(frozen=True)
class SeedFile:
    file_name: str
    table: str
    key: str
    replace: bool  # True: a reference table owned by the code, reloaded whole; False: only missing keys are added


SEEDS: tuple[SeedFile, ...] = (
    SeedFile("default_pricing.csv", "llm_model_pricing", "pricing_id", replace=False),
    SeedFile("default_subscriptions.csv", "llm_subscriptions", "subscription_id", replace=False),
    SeedFile("genai_ref_providers.csv", "genai_ref_providers", "provider", replace=True),
    SeedFile("genai_ref_commitment_types.csv", "genai_ref_commitment_types", "commitment_type", replace=True),
    SeedFile("genai_ref_token_categories.csv", "genai_ref_token_categories", "token_type", replace=True),
    SeedFile("genai_ref_service_tiers.csv", "genai_ref_service_tiers", "service_tier", replace=True),
    SeedFile("genai_ref_model_publishers.csv", "genai_ref_model_publishers", "model_prefix", replace=True),
    SeedFile("genai_ref_sources.csv", "genai_ref_sources", "source_id", replace=True),
    SeedFile("genai_model_classes.csv", "genai_model_classes", "model_id", replace=True),
)
_NON_NEGATIVE_SUFFIXES = ("_price_per_1k", "_price", "_usd", "_tokens", "_limit", "_percentage")


def _convert(field: FieldSpec, raw: str, where: str) -> Any:
    if raw == "":
        if field.mode == "REQUIRED":
            raise ConfigurationError(f"{where}: {field.name} is required")
        return None
    try:
        value: Any
        match field.type:
            case "STRING":
                value = raw
            case "INT64":
                value = int(raw)
            case "NUMERIC" | "BIGNUMERIC":
                value = Decimal(raw)
                if not value.is_finite():
                    raise ValueError("not a finite number")
            case "BOOL":
                if raw.lower() not in ("true", "false"):
                    raise ValueError("expected true or false")
                value = raw.lower() == "true"
            case "DATE":
                value = dt.date.fromisoformat(raw)
            case "TIMESTAMP":
                value = dt.datetime.fromisoformat(raw).astimezone(dt.UTC)
            case _:
                raise ValueError(f"type {field.type} is not supported in seed files")
    except (ValueError, InvalidOperation) as exc:
        raise ConfigurationError(f"{where}: {field.name}={raw!r}: {exc}") from exc
    if isinstance(value, (int, Decimal)) and value < 0 and field.name.endswith(_NON_NEGATIVE_SUFFIXES):
        raise ConfigurationError(f"{where}: {field.name} must not be negative, got {raw}")
    return value


def read_seed_rows(path: Path, spec: TableSpec) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != spec.field_names:
            raise ConfigurationError(f"{path.name}: header must be exactly the {spec.name} schema fields in order")
        fields = spec.fields
        for line, raw in enumerate(reader, start=2):
            yield {f.name: _convert(f, raw[f.name], f"{path.name}:{line}") for f in fields}
