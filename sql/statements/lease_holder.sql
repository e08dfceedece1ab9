-- Who holds the lease of one organization, flow and provider, to say so when a run is refused.
SELECT holder_run_id, window_start, window_end, acquired_at, expires_at
FROM genai_run_leases
WHERE org_slug = @p_org_slug AND flow = @p_flow AND provider = @p_provider
  AND holder_run_id IS NOT NULL
ORDER BY acquired_at DESC
LIMIT 1
