-- Closes the runs of one organization, flow and provider whose window overlaps this run's and
-- that recorded nothing since 'started' before @p_stale_before (the function timeout ago): their
-- process was killed or timed out. Appends an 'abandoned' event for each (the ledger stays
-- append-only); the next run of the window calls it, holding the lease.
INSERT INTO genai_ingestion_runs (
  run_id, event_date, event_at, org_slug, provider, flow, window_start, window_end, status, error,
  error_kind, trigger_id, started_at, duration_ms
)
SELECT
  s.run_id, CURRENT_DATE(), CURRENT_TIMESTAMP(), s.org_slug, s.provider, s.flow, s.window_start, s.window_end,
  'abandoned',
  CONCAT('no outcome recorded within the function timeout: the run was killed or timed out; closed by run ',
    @p_closed_by),
  'RunAbandoned', s.trigger_id, s.started_at, TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), s.started_at, MILLISECOND)
FROM genai_ingestion_runs AS s
WHERE s.status = 'started'
  AND s.org_slug = @p_org_slug AND s.flow = @p_flow AND s.provider = @p_provider
  AND s.window_start < @p_window_end AND s.window_end > @p_window_start
  AND s.started_at < @p_stale_before
  AND s.run_id NOT IN (
    SELECT run_id FROM genai_ingestion_runs
    WHERE status != 'started' AND org_slug = @p_org_slug AND flow = @p_flow AND provider = @p_provider
  )
