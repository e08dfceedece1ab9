-- Freshness per source: the last successful ingestion per provider and flow, and the newest
-- window it covered ("Anthropic payg complete through 2026-11-21").
CREATE OR REPLACE VIEW genai_source_freshness AS
WITH finished AS (
  SELECT provider, flow, status, window_end, event_at, error
  FROM genai_ingestion_runs
  WHERE status IN ('succeeded', 'failed', 'abandoned')
)
SELECT
  provider,
  flow,
  MAX(IF(status = 'succeeded', event_at, NULL)) AS last_success_at,
  DATE_SUB(MAX(IF(status = 'succeeded', window_end, NULL)), INTERVAL 1 DAY) AS complete_through,
  MAX(IF(status IN ('failed', 'abandoned'), event_at, NULL)) AS last_failure_at,
  COUNTIF(status IN ('failed', 'abandoned')) AS failed_runs
FROM finished
GROUP BY provider, flow
