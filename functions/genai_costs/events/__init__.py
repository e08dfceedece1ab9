"""Per-request usage events (issue 12): record_usage's runner. The wire format and normalization are
in ``model.usage_event``; the message it publishes in ``model.usage_event_batch``; the raw -> clean
consolidation in ``sql/procedures/sp_genai_0_consolidate_usage_events.sql``, run by ``consolidation``."""
