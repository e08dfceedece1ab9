"""Windowed, idempotent, ledgered ingestion of provider records into raw tables."""
