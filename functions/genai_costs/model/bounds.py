"""What a value must fit to be stored: BigQuery's INT64 and NUMERIC (the embedded engine mirrors them).

A provider value beyond these can never be written, however often the run is retried: the records
refuse it at once, and the run fails as permanent (InvalidDataError) naming the field and the value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
NUMERIC_LIMIT = Decimal(10) ** 29  # NUMERIC is DECIMAL(38, 9): at most 29 digits before the point

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]


def _fits_numeric(value: Decimal) -> Decimal:
    if value.is_finite() and abs(value) >= NUMERIC_LIMIT:
        raise ValueError("does not fit NUMERIC (at most 29 digits before the decimal point)")
    return value


Numeric = Annotated[Decimal, AfterValidator(_fits_numeric)]
