-- The earliest event day among the usage events published in the consolidation window (up to one day
-- after it, for events published on its last day): a late event published in the window belongs to an
-- older day, so the events step widens its window back to that day (genai_costs.consolidation).
-- NULL when nothing was published. Bounded: events older than 31 days are rejected at ingestion.
SELECT MIN(DATE(e.occurred_at)) AS earliest_event_date
FROM genai_usage_events_raw AS r
CROSS JOIN UNNEST(r.events) AS e
WHERE r.publish_time >= TIMESTAMP(@p_start_date)
  AND r.publish_time < TIMESTAMP(DATE_ADD(@p_end_date, INTERVAL 1 DAY))
