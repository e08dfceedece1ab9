"""The ``genai-costs`` command, the report and the embedded pipeline: tools for a laptop or CI.

Never deployed: the Cloud Function archives hold ``genai_costs`` (the library) and ``sql/`` only.
Installed with the ``cli`` extra (``pip install -e '.[cli]'``), which brings typer, rich, DuckDB
and the provider simulator's web stack.
"""
