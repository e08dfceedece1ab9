-- Usage by tenant, user, service and workflow over a window: the per-request usage events the applications
-- recorded (genai_usage_events, deduplicated), calls and tokens (all categories: input incl. cache and
-- audio, output incl. reasoning and audio). @p_provider and @p_tenant: NULL or '' means all.
-- @p_provider STRING
-- @p_tenant STRING
SELECT
  tenant_id,
  user_id,
  service,
  workflow_id,
  COUNT(*) AS requests,
  SUM(input_uncached_tokens + input_cached_tokens + cache_write_5m_tokens + cache_write_1h_tokens
    + input_audio_tokens + output_tokens + output_audio_tokens) AS tokens
FROM genai_usage_events
WHERE event_date >= @p_start_date AND event_date < @p_end_date
  AND (IFNULL(@p_provider, '') = '' OR provider = @p_provider)
  AND (IFNULL(@p_tenant, '') = '' OR tenant_id = @p_tenant)
GROUP BY tenant_id, user_id, service, workflow_id
ORDER BY tokens DESC, requests DESC, tenant_id, user_id, service, workflow_id
