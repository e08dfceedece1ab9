"""Manual runs and backfills, and the run ledger as operators read it.

    backfill       the window a caller asks for, checked, and its calendar-month chunks
    trigger        publish the scheduler's message (one per chunk) to the flow's topic
    ledger_query   the organization's runs, filtered, from genai_ingestion_runs

The HTTP routes over these are in ``genai_costs.pipeline_endpoints``.
"""
