-- Per-request usage events that failed the token invariant at record_usage, for the event days
-- [p_events_start_date, p_end_date): genai_usage_events_quarantine is replaced by one row per
-- (source, event_id) of which NO copy was accepted (a corrected resend supersedes a quarantined event),
-- with its reason. The same window and first copies as sp_genai_0; no transaction control (it runs
-- inside the consolidation's transaction).
CREATE OR REPLACE PROCEDURE sp_genai_0b_quarantine_usage_events(p_org_slug STRING, p_events_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_usage_events_quarantine
  WHERE event_date >= p_events_start_date AND event_date < p_end_date;

  INSERT INTO genai_usage_events_quarantine (
    event_date, org_slug, event_key, event_id, source, occurred_at, provider, model, response_id, request_id,
    api_key_id, project_id, region, deployment, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens,
    cache_write_1h_tokens, input_audio_tokens, output_tokens, output_audio_tokens, reasoning_tokens,
    web_search_requests, reported_input_tokens, reported_output_tokens, reported_total_tokens, service_tier,
    is_batch, context_window, status, latency_ms, tenant_id, user_id, service, workflow_id, feature, environment,
    tags, client_cost_usd, quarantine_reason, received_at, batch_id, message_id, publish_time, occurrences,
    consolidated_at
  )
  SELECT
    DATE(occurred_at) AS event_date,
    p_org_slug AS org_slug,
    TO_HEX(SHA256(CONCAT(CAST(LENGTH(source) AS STRING), ':', source, event_id))) AS event_key,
    event_id, source, occurred_at, provider, model, response_id, request_id, api_key_id, project_id, region,
    deployment, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
    input_audio_tokens, output_tokens, output_audio_tokens, reasoning_tokens, web_search_requests,
    reported_input_tokens, reported_output_tokens, reported_total_tokens, service_tier, is_batch, context_window,
    status, latency_ms, tenant_id, user_id, service, workflow_id, feature, environment,
    PARSE_JSON(tags) AS tags,
    client_cost_usd, quarantine_reason, received_at, batch_id, message_id, publish_time, occurrences,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM genai_usage_event_first_copies(p_events_start_date, p_end_date)
  WHERE quarantine_reason IS NOT NULL;
END;
