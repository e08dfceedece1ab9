-- Per-request usage events over a window, per provider and producer: the calls kept (one per
-- (source, event_id)), the raw copies they were deduplicated from, the quarantined ones and who
-- they were for.
WITH kept AS (
  SELECT provider, source, COUNT(*) AS events, SUM(occurrences) AS raw_copies, 0 AS quarantined,
    COUNT(DISTINCT tenant_id) AS tenants, COUNT(DISTINCT user_id) AS users,
    SUM(input_uncached_tokens + input_cached_tokens + cache_write_5m_tokens + cache_write_1h_tokens
      + input_audio_tokens + output_tokens + output_audio_tokens) AS tokens
  FROM genai_usage_events
  WHERE event_date >= @p_start_date AND event_date < @p_end_date
  GROUP BY provider, source
),
quarantined AS (
  SELECT provider, source, 0 AS events, SUM(occurrences) AS raw_copies, COUNT(*) AS quarantined,
    0 AS tenants, 0 AS users, 0 AS tokens
  FROM genai_usage_events_quarantine
  WHERE event_date >= @p_start_date AND event_date < @p_end_date
  GROUP BY provider, source
)
SELECT provider, source, SUM(events) AS events, SUM(raw_copies) AS raw_copies, SUM(quarantined) AS quarantined,
  MAX(tenants) AS tenants, MAX(users) AS users, SUM(tokens) AS tokens
FROM (SELECT * FROM kept UNION ALL SELECT * FROM quarantined)
GROUP BY provider, source
ORDER BY provider, source
