-- Outcome of each ingestion and consolidation run that finished in a window.
SELECT provider, flow, status, rows_usage, rows_costs, rows_quarantined, duration_ms, error
FROM genai_ingestion_runs
WHERE event_at >= @p_since AND status IN ('succeeded', 'failed', 'abandoned')
ORDER BY event_at
