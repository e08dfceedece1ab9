"""Benchmarks that print figures (not tests): ``python -m bench.consolidation``, ``python -m bench.ingestion``."""
