-- Takes the lease for a run if it is free or lapsed: one conditional UPDATE, so taking it is atomic
-- (BigQuery serializes concurrent UPDATEs of one table; the one that loses re-reads the row and
-- finds it held). Rows affected: 0 = another run holds it; 1 or more = this run holds it now.
UPDATE genai_run_leases
SET holder_run_id = @p_run_id,
  window_start = @p_window_start,
  window_end = @p_window_end,
  acquired_at = CURRENT_TIMESTAMP(),
  expires_at = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL @p_ttl_seconds SECOND)
WHERE org_slug = @p_org_slug AND flow = @p_flow AND provider = @p_provider
  AND (holder_run_id IS NULL OR expires_at <= CURRENT_TIMESTAMP())
