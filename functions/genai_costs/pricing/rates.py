"""The catalog's rate vocabulary: price keys, rate columns, exact unit conversions, agreement.

Every rate is a ``Decimal`` built from the source's own decimal text, never through ``float``:
LiteLLM's JSON numbers are parsed with ``parse_float=Decimal`` and genai-prices stores
``Decimal('...')`` literals. Converting units is a decimal shift (per token x 1000, per million / 1000),
which is exact. The catalog stores NUMERIC with 9 fractional digits; a source value that needs more
(a float artifact such as ``0.0005666666666666667`` per token) is rounded half-even to 9 digits and the
quote records that it was rounded (none of the token rates of the pinned sources for our providers needs
it; see tests/pricing/test_sources_real.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, NamedTuple

SourceName = Literal["genai-prices", "litellm"]
SOURCES: tuple[SourceName, ...] = ("genai-prices", "litellm")

# The llm_model_pricing columns the sync maintains, in schema order. All are USD per 1,000 tokens except
# the long-context threshold (a token count, compared exactly) and web search (USD per 1,000 requests).
RATE_COLUMNS: tuple[str, ...] = (
    "input_price_per_1k",
    "output_price_per_1k",
    "cached_input_price_per_1k",
    "cache_write_5m_price_per_1k",
    "cache_write_1h_price_per_1k",
    "batch_input_price_per_1k",
    "batch_output_price_per_1k",
    "long_context_threshold_tokens",
    "long_context_input_price_per_1k",
    "long_context_output_price_per_1k",
    "audio_input_price_per_1k",
    "audio_output_price_per_1k",
    "web_search_price_per_1k_requests",
)
# A row can only exist with both: the schema requires them, and without them nothing is priced.
REQUIRED_RATES: tuple[str, ...] = ("input_price_per_1k", "output_price_per_1k")
INTEGER_COLUMNS = frozenset({"long_context_threshold_tokens"})

TOLERANCE = Decimal("0.01")  # two sources agree when they differ by at most 1 % of the larger value
NUMERIC_QUANTUM = Decimal("1e-9")  # BigQuery NUMERIC scale
THOUSAND_EXPONENT = 3


class PriceKey(NamedTuple):
    """What identifies a non-custom price row besides its validity (llm_model_pricing)."""

    provider: str
    model_id: str
    region: str | None = None
    service_tier: str | None = None

    def label(self) -> str:
        extra = "/".join(x for x in (self.region, self.service_tier) if x)
        return f"{self.provider}/{self.model_id}" + (f" [{extra}]" if extra else "")


@dataclass(frozen=True)
class Quote:
    """One source's prices for one price key, in the catalog's columns and units."""

    source: SourceName
    version: str
    key: PriceKey
    rates: Mapping[str, Decimal]
    source_ref: str  # the source's own identifier (a LiteLLM key, a genai-prices model id)
    model_name: str | None = None
    mode: str | None = None  # chat | embedding when the source says so
    current: bool = True  # False when the source marks the model deprecated as of the sync date
    effective_from: date | None = None  # when the source says this price started (genai-prices only)
    rounded: tuple[str, ...] = ()  # columns whose source value needed rounding to 9 decimals
    notes: tuple[str, ...] = field(default=())  # rates the catalog cannot represent, conflicts


def per_1k_from_per_token(value: Decimal) -> Decimal:
    return value.scaleb(THOUSAND_EXPONENT)


def per_1k_from_per_million(value: Decimal) -> Decimal:
    return value.scaleb(-THOUSAND_EXPONENT)


def to_numeric(value: Decimal) -> tuple[Decimal, bool]:
    """The value as NUMERIC(38, 9) stores it, and whether that needed rounding."""
    if value.as_tuple().exponent >= -9:  # type: ignore[operator]  # finite values only reach here
        return value, False
    return value.quantize(NUMERIC_QUANTUM, rounding=ROUND_HALF_EVEN), True


def canonical(value: Decimal) -> Decimal:
    """A stable spelling (no trailing zeros, no exponent for integers) for ids and display."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return normalized.quantize(Decimal(1))
    return normalized


def agree(a: Decimal | None, b: Decimal | None, tolerance: Decimal = TOLERANCE) -> bool:
    """True when both are known and differ by at most ``tolerance`` of the larger magnitude."""
    if a is None or b is None:
        return False
    if a == b:
        return True
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def more_precise(a: Decimal, b: Decimal) -> Decimal:
    """Of two agreeing values, the one with more significant digits (the less rounded spelling):
    genai-prices lists o4-mini's flex cache read as 0.138 per 1M, LiteLLM as 0.1375 (half of 0.275).
    Ties keep ``a``."""
    digits_a = len(canonical(a).as_tuple().digits)
    digits_b = len(canonical(b).as_tuple().digits)
    return b if digits_b > digits_a else a


def as_decimal(value: object) -> Decimal | None:
    """A catalog cell (NUMERIC comes back as Decimal, INT64 as int) as a Decimal."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"not an exact number: {type(value).__name__}")
