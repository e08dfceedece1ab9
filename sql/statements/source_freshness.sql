-- Every listed source's freshness (the view genai_source_freshness), the ones needing attention first.
SELECT
  source_id, flow, source, provider, display_name, settles_after_days, complete_through, expected_through,
  days_behind, last_success_at, last_failure_at, last_run_status, last_error_kind, last_error, running_since,
  last_row_date,
  rows_expected_day, rows_last_3_days, rows_norm, state, state_reason
FROM genai_source_freshness
ORDER BY
  CASE state WHEN 'failing' THEN 0 WHEN 'silent' THEN 1 WHEN 'late' THEN 2 ELSE 3 END,
  flow, source
