-- Per-request usage events, raw -> clean: genai_usage_events for the event days
-- [p_events_start_date, p_end_date) is replaced by one row per (source, event_id) that passed the token
-- invariant (genai_usage_event_first_copies: dedup over a 64-day span of publish times). A late event
-- lands in its own event day: the caller starts the window at the oldest day among the events published
-- in the run's window (genai_costs.consolidation). Re-running it changes nothing. No transaction control:
-- it runs inside the consolidation's transaction (BigQuery transactions do not nest).
CREATE OR REPLACE PROCEDURE sp_genai_0_consolidate_usage_events(p_org_slug STRING, p_events_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_usage_events
  WHERE event_date >= p_events_start_date AND event_date < p_end_date;

  INSERT INTO genai_usage_events (
    event_date, org_slug, event_key, event_id, source, occurred_at, provider, model, response_id, request_id,
    api_key_id, project_id, region, deployment, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens,
    cache_write_1h_tokens, input_audio_tokens, output_tokens, output_audio_tokens, reasoning_tokens,
    web_search_requests, reported_input_tokens, reported_output_tokens, reported_total_tokens, service_tier,
    is_batch, context_window, status, latency_ms, tenant_id, user_id, service, workflow_id, feature, environment,
    tags, client_cost_usd, received_at, batch_id, message_id, publish_time, occurrences, consolidated_at
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
    client_cost_usd, received_at, batch_id, message_id, publish_time, occurrences,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM genai_usage_event_first_copies(p_events_start_date, p_end_date)
  WHERE quarantine_reason IS NULL;
END;
