-- Per-request usage events, raw -> clean, for the event days [p_start_date, p_end_date).
--
-- genai_usage_events_raw is what the Pub/Sub BigQuery subscription appends: one row per message, each
-- holding a request's events, at least once (a redelivered message, a batch the client resent, the same
-- event in two batches all appear again). Here every (source, event_id) becomes ONE row:
--   - the copy kept is the first accepted occurrence (publish time, message id, position in the batch);
--     only when no copy passed the token invariant is the first quarantined one kept, in the quarantine
--     table, so a corrected resend supersedes a quarantined event;
--   - duplicates are looked for over a 64-day span of publish times around the window: every copy of an
--     event with a day in the window was published at most 31 days after it (record_usage rejects older
--     events) and 15 minutes before it, so >= 32 days on both sides sees every copy that matters;
--   - a late event lands in its own event day (the caller widens the window to the late days,
--     genai_costs.consolidation).
-- The window is replaced in both tables inside the caller's transaction (procedures hold no transaction
-- control of their own: BigQuery transactions do not nest); re-running it changes nothing.
CREATE OR REPLACE PROCEDURE sp_genai_0_consolidate_usage_events(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  CREATE TEMP TABLE usage_event_first_copies AS
  WITH copies AS (
    SELECT
      r.batch_id, r.received_at, r.message_id, r.publish_time, e.event_index, e.quarantine_reason,
      e.event_id, e.source, e.occurred_at, e.provider, e.model, e.response_id, e.request_id, e.api_key_id,
      e.project_id, e.region, e.deployment, e.input_uncached_tokens, e.input_cached_tokens,
      e.cache_write_5m_tokens, e.cache_write_1h_tokens, e.input_audio_tokens, e.output_tokens,
      e.output_audio_tokens, e.reasoning_tokens, e.web_search_requests, e.reported_input_tokens,
      e.reported_output_tokens, e.reported_total_tokens, e.service_tier, e.is_batch, e.context_window,
      e.status, e.latency_ms, e.tenant_id, e.user_id, e.service, e.workflow_id, e.feature, e.environment,
      e.tags, e.client_cost_usd
    FROM genai_usage_events_raw AS r
    CROSS JOIN UNNEST(r.events) AS e
    WHERE r.publish_time >= TIMESTAMP(DATE_SUB(p_start_date, INTERVAL 32 DAY))
      AND r.publish_time < TIMESTAMP(DATE_ADD(p_end_date, INTERVAL 32 DAY))
  ),
  ranked AS (
    SELECT
      *,
      COUNT(*) OVER (PARTITION BY source, event_id) AS occurrences,
      ROW_NUMBER() OVER (
        PARTITION BY source, event_id
        ORDER BY quarantine_reason IS NOT NULL, publish_time, message_id, batch_id, event_index
      ) AS copy_rank
    FROM copies
  )
  SELECT * EXCEPT (copy_rank)
  FROM ranked
  WHERE copy_rank = 1
    AND occurred_at >= TIMESTAMP(p_start_date)
    AND occurred_at < TIMESTAMP(p_end_date);

  DELETE FROM genai_usage_events
  WHERE event_date >= p_start_date AND event_date < p_end_date;

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
  FROM usage_event_first_copies
  WHERE quarantine_reason IS NULL;

  DELETE FROM genai_usage_events_quarantine
  WHERE event_date >= p_start_date AND event_date < p_end_date;

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
  FROM usage_event_first_copies
  WHERE quarantine_reason IS NOT NULL;

  DROP TABLE usage_event_first_copies;
END;
