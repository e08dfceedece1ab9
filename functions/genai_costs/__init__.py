"""GenAI cost management: provider usage -> BigQuery (or embedded DuckDB) -> FOCUS 1.3.

The library shared by every Cloud Function in ``functions/``. Each function's ``main.py``
decodes its event and calls one function from here.
"""

__version__ = "0.1.0"
