-- Creates the lease row of one organization, flow and provider the first time a run needs it
-- (free: no holder). Two first runs racing may both insert; the lease then spans both rows and
-- lease_acquire.sql still lets only one run hold them.
-- Parameters: @p_org_slug STRING, @p_flow STRING, @p_provider STRING.
MERGE genai_run_leases AS l
USING (SELECT @p_org_slug AS org_slug, @p_flow AS flow, @p_provider AS provider) AS k
ON l.org_slug = k.org_slug AND l.flow = k.flow AND l.provider = k.provider
WHEN NOT MATCHED THEN
  INSERT (org_slug, flow, provider) VALUES (k.org_slug, k.flow, k.provider)
