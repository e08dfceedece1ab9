-- Extends the lease of the run holding it, right before it writes. Rows affected: 0 = the lease
-- lapsed and another run took it, so this run must not write.
UPDATE genai_run_leases
SET expires_at = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL @p_ttl_seconds SECOND)
WHERE org_slug = @p_org_slug AND flow = @p_flow AND provider = @p_provider
  AND holder_run_id = @p_run_id
