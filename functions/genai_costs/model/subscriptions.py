"""The commitment terms an organization configures: the commitment columns of one enabled
``llm_subscriptions`` row (units, price per unit-hour, dates), for the sources no provider API
fully describes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

SUBSCRIPTIONS_TABLE = "llm_subscriptions"


class Subscription(BaseModel):
    """The commitment columns of one enabled ``llm_subscriptions`` row."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    subscription_id: str
    provider: str
    plan_name: str
    commitment_type: str | None = None
    model_id: str | None = None
    region: str | None = None
    commitment_units: int | None = None
    unit_hourly_price_usd: Decimal | None = None
    commitment_start_date: date | None = None
    commitment_end_date: date | None = None  # inclusive
    commitment_term_months: int | None = None
    tpm_limit: int | None = None  # for bedrock_pt / vertex_gsu: tokens per minute of ONE unit

    @property
    def start(self) -> datetime | None:
        d = self.commitment_start_date
        return None if d is None else datetime.combine(d, dtime.min, tzinfo=UTC)

    @property
    def end(self) -> datetime | None:
        """Exclusive end: midnight after the inclusive commitment_end_date."""
        d = self.commitment_end_date
        return None if d is None else datetime.combine(d + timedelta(days=1), dtime.min, tzinfo=UTC)

    def describe(self) -> str:
        return f"{SUBSCRIPTIONS_TABLE} row {self.subscription_id} (plan_name {self.plan_name!r})"
