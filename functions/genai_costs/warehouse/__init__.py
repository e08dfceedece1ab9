"""One warehouse interface, two backends: BigQuery in the cloud, DuckDB embedded.

Both run the same BigQuery-dialect files from ``sql/``; the embedded backend transpiles them
with sqlglot plus the fix-ups in :mod:`genai_costs.warehouse.transpile`.
"""

from .base import Param, Warehouse
from .factory import open_warehouse

__all__ = ["Param", "Warehouse", "open_warehouse"]
