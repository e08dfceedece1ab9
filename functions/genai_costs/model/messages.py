"""Pub/Sub message bodies, validated at the edge."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ..orgs import validate_org_slug
from ..providers.ids import CommitmentType, Provider
from .window import Window


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_slug: str
    start_date: date | None = None
    end_date: date | None = None

    @field_validator("org_slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        try:
            return validate_org_slug(value)
        except Exception as exc:
            raise ValueError(str(exc)) from exc

    @model_validator(mode="after")
    def _dates(self) -> _Message:
        if (self.start_date is None) != (self.end_date is None):
            raise ValueError("give both start_date and end_date, or neither (trailing window)")
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date (the window is [start_date, end_date))")
        if self.start_date and self.end_date and (self.end_date - self.start_date).days > 400:
            raise ValueError("window longer than 400 days; split the backfill")
        return self

    def window(self, today: date, trailing_days: int) -> Window:
        """The window the message asks for, else the ``trailing_days`` (at least one) whole days before ``today``."""
        if self.start_date and self.end_date:
            return Window(start=self.start_date, end=self.end_date)
        return Window.trailing(today, max(trailing_days, 1))


class PaygMessage(_Message):
    provider: Provider
    # "usage": the usage and cost APIs (flow payg); "invocation_logs": the per-request records of a provider
    # that keeps them (Bedrock model invocation logs, flow invocations). Both are served by ingest_payg.
    source: Literal["usage", "invocation_logs"] = "usage"

    @model_validator(mode="after")
    def _source(self) -> PaygMessage:
        from .provider_catalog import provider as catalog_entry

        if self.source == "invocation_logs" and "invocations" not in catalog_entry(self.provider).flows:
            raise ValueError(f"{self.provider} keeps no per-request invocation logs (only aws_bedrock does)")
        return self


class CommitmentMessage(_Message):
    commitment_type: CommitmentType


class ConsolidateMessage(_Message):
    pass
