-- Frees the lease at the end of the run holding it (success or failure).
UPDATE genai_run_leases
SET holder_run_id = NULL, expires_at = CURRENT_TIMESTAMP()
WHERE org_slug = @p_org_slug AND flow = @p_flow AND provider = @p_provider
  AND holder_run_id = @p_run_id
