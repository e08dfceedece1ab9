"""Exact money in JSON: a Decimal with 9 decimals written as a plain decimal string ("0.000000000", never
"0E-9" and never a float)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer

NANO = Decimal("0.000000001")


def nano(value: Decimal) -> Decimal:
    """Rounded to 9 decimals, half away from zero (BigQuery's ROUND)."""
    return value.quantize(NANO, rounding=ROUND_HALF_UP)


def text(value: Decimal) -> str:
    return format(nano(value), "f")


Money = Annotated[Decimal, PlainSerializer(text, return_type=str, when_used="json")]
