-- Per-request usage events with an event day in [p_events_start_date, p_end_date): ONE copy of every
-- (source, event_id) found in genai_usage_events_raw, which the Pub/Sub BigQuery subscription appends at
-- least once (a redelivered message, a batch the client resent, the same event in two batches):
--   - the copy kept is the first accepted occurrence (publish time, message id, position in the batch);
--     only when no copy passed the token invariant is the first quarantined one kept (quarantine_reason
--     set), so a corrected resend supersedes a quarantined event;
--   - duplicates are looked for over a 64-day span of publish times around the window: every copy of an
--     event with a day in the window was published at most 31 days after it (record_usage rejects older
--     events) and 15 minutes before it, so >= 32 days on both sides sees every copy that matters.
-- Read by sp_genai_0 (accepted copies) and sp_genai_0b (quarantined ones).
CREATE OR REPLACE TABLE FUNCTION genai_usage_event_first_copies(p_events_start_date DATE, p_end_date DATE) AS
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
  WHERE r.publish_time >= TIMESTAMP(DATE_SUB(p_events_start_date, INTERVAL 32 DAY))
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
  AND occurred_at >= TIMESTAMP(p_events_start_date)
  AND occurred_at < TIMESTAMP(p_end_date);
