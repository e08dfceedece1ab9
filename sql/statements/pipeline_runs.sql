-- The organization's runs from the ledger, one row per run in its latest state, newest first.
-- Every filter is optional (NULL = any): flow, provider (or commitment type, or 'all'), status,
-- trigger_id (the Pub/Sub message id), runs started in [@p_since, @p_until), and runs whose
-- window covers the usage date @p_covers. A run's events are recorded on its start day or later,
-- so event_date >= @p_since prunes the ledger's partitions without losing a run.
-- Parameters: @p_since DATE, @p_until DATE, @p_flow STRING, @p_provider STRING, @p_status STRING,
-- @p_trigger_id STRING, @p_covers DATE, @p_limit INT64.
WITH latest AS (
  SELECT
    run_id, flow, provider, status, window_start, window_end, started_at, event_at,
    rows_usage, rows_costs, rows_quarantined, duration_ms, error_kind, error, trigger_id,
    ROW_NUMBER() OVER (
      PARTITION BY run_id
      ORDER BY event_at DESC, IF(status = 'started', 1, 0)
    ) AS event_rank
  FROM genai_ingestion_runs
  WHERE event_date >= @p_since
)
SELECT
  run_id, flow, provider, status, window_start, window_end, started_at,
  IF(status = 'started', NULL, event_at) AS finished_at,
  rows_usage, rows_costs, rows_quarantined, duration_ms, error_kind, error, trigger_id
FROM latest
WHERE event_rank = 1
  AND started_at >= TIMESTAMP(@p_since)
  AND started_at < TIMESTAMP(@p_until)
  AND (@p_flow IS NULL OR flow = @p_flow)
  AND (@p_provider IS NULL OR provider = @p_provider)
  AND (@p_status IS NULL OR status = @p_status)
  AND (@p_trigger_id IS NULL OR trigger_id = @p_trigger_id)
  AND (@p_covers IS NULL OR (window_start <= @p_covers AND @p_covers < window_end))
ORDER BY started_at DESC, run_id
LIMIT @p_limit
