-- Freshness and completeness per source as of now (the view genai_source_freshness), whatever the
-- report's window: a late, silent or failing source's recent days are missing or partial.
SELECT source_id, state, complete_through, expected_through, last_success_at, state_reason
FROM genai_source_freshness
ORDER BY
  CASE state WHEN 'failing' THEN 0 WHEN 'silent' THEN 1 WHEN 'late' THEN 2 ELSE 3 END,
  flow, source
