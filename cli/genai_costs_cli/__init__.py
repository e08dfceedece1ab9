"""The ``genai-costs`` command, the report and the embedded pipeline: tools for a laptop or CI.

Never deployed: the Cloud Function archives hold ``genai_costs`` (the library) and ``sql/`` only.
Installed with the ``cli`` extra (``pip install -e '.[cli]'``), which brings typer, rich, DuckDB
and the provider simulator's web stack.
"""

try:
    import duckdb  # noqa: F401
    import rich  # noqa: F401
    import typer  # noqa: F401
except ImportError as exc:  # an install without the extra: one clear line, not a traceback
    raise SystemExit(
        f"genai-costs: {exc.name} is not installed; the command needs the 'cli' extra: pip install -e '.[cli]'"
    ) from None
