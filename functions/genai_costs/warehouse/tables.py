"""Table specifications read from ``sql/tables/<name>.json`` (BigQuery REST Table resource)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import ConfigurationError

FieldType = Literal[
    "STRING",
    "INT64",
    "NUMERIC",
    "BIGNUMERIC",
    "FLOAT64",
    "BOOL",
    "DATE",
    "DATETIME",
    "TIMESTAMP",
    "JSON",
    "RECORD",
]


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: FieldType
    mode: Literal["REQUIRED", "NULLABLE", "REPEATED"] = "NULLABLE"
    description: str = Field(min_length=1)
    fields: list[FieldSpec] | None = None


class TimePartitioning(BaseModel):
    type: Literal["DAY", "MONTH"] = "DAY"
    field: str
    requirePartitionFilter: bool = False


class Clustering(BaseModel):
    fields: list[str] = Field(max_length=4)


class Schema(BaseModel):
    fields: list[FieldSpec] = Field(min_length=1)


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str = Field(min_length=1)
    timePartitioning: TimePartitioning | None = None
    clustering: Clustering | None = None
    schema_: Schema = Field(alias="schema")

    @field_validator("schema_")
    @classmethod
    def _unique_names(cls, schema: Schema) -> Schema:
        names = [f.name for f in schema.fields]
        if len(names) != len(set(names)):
            raise ValueError("duplicate field names")
        return schema

    @property
    def fields(self) -> list[FieldSpec]:
        return self.schema_.fields

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def partition_field(self) -> str | None:
        return self.timePartitioning.field if self.timePartitioning else None

    def api_repr(self, project: str, dataset: str) -> dict[str, Any]:
        """The BigQuery REST representation (what ``tables.insert`` receives)."""
        body = self.model_dump(by_alias=True, exclude_none=True, exclude={"name"})
        body["tableReference"] = {"projectId": project, "datasetId": dataset, "tableId": self.name}
        return body


def load_table_spec(path: Path) -> TableSpec:
    try:
        spec = TableSpec.model_validate(json.loads(path.read_text()))
    except (ValueError, OSError) as exc:
        raise ConfigurationError(f"bad table spec {path.name}: {exc}") from exc
    return spec.model_copy(update={"name": path.stem})


@lru_cache(maxsize=8)
def load_table_specs(sql_root: Path) -> dict[str, TableSpec]:
    return {p.stem: load_table_spec(p) for p in sorted((sql_root / "tables").glob("*.json"))}
