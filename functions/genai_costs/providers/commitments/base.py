"""What every commitment source offers, and the helpers the sources share: matching configured
``llm_subscriptions`` rows, naming a missing configuration, and the active hours of a commitment."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from genai_costs.errors import ConfigurationError
from genai_costs.model.commitment_records import HOUR, CapacityHour, GpuHour, active_fraction, hour_floor
from genai_costs.model.subscriptions import SUBSCRIPTIONS_TABLE, Subscription
from genai_costs.model.window import Window


class CommitmentSource(Protocol):
    @property
    def provider(self) -> str: ...

    @property
    def commitment_type(self) -> str: ...

    def iter_hours(self, window: Window) -> Iterator[CapacityHour | GpuHour]: ...

    def close(self) -> None: ...


def missing(
    commitment_type: str,
    what: str,
    *,
    provider: str,
    model: str | None = None,
    fields: Sequence[str] = (),
    row: Subscription | None = None,
) -> ConfigurationError:
    """A ConfigurationError naming the table, the provider/commitment type, the model and the fields."""
    where = (
        f"{row.describe()}"
        if row
        else f"an enabled {SUBSCRIPTIONS_TABLE} row with provider='{provider}', commitment_type='{commitment_type}'"
        + (f", model_id='{model}'" if model else "")
    )
    need = f" setting {', '.join(fields)}" if fields else ""
    return ConfigurationError(f"{commitment_type}: {what}; configure {where}{need}")


def matching(subscriptions: Sequence[Subscription], model: str | None, region: str | None = None) -> list[Subscription]:
    """Rows for ``model`` (exact model_id) whose region is NULL (any) or equal to ``region``."""
    return [
        s for s in subscriptions if s.model_id == model and (s.region is None or region is None or s.region == region)
    ]


def term_from_months(months: int | None) -> str:
    if not months:
        return "no_commitment"
    return f"{months}_month" if months == 1 else f"{months}_months"


def window_hours(
    window: Window, start: datetime | None = None, end: datetime | None = None, now: datetime | None = None
) -> Iterator[tuple[datetime, Decimal]]:
    """(hour_start, active_fraction) of every UTC hour of the window in which [start, end) is
    active, stopping at ``now`` (an hour still running is not reported)."""
    lo = window.start_dt if start is None else max(window.start_dt, hour_floor(start))
    hi = window.end_dt if end is None else min(window.end_dt, end)
    if now is not None:
        hi = min(hi, hour_floor(now))
    hour = lo
    while hour < hi:
        fraction = active_fraction(hour, start, end)
        if fraction > 0:
            yield hour, fraction
        hour += HOUR
