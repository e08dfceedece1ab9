-- The ten largest reconciliation discrepancies by dollars in the report window, each with grain and cause.
SELECT provider, grain, usage_date, bucket_start, api_key_id, project_id, model, estimated_tokens, actual_tokens,
  estimated_usd, actual_usd, difference_usd, difference_pct, cause
FROM genai_reconciliation_by_grain
WHERE status = 'discrepancy' AND usage_date >= @p_start_date AND usage_date < @p_end_date
ORDER BY ABS(difference_usd) DESC, provider, grain, bucket_start, model
LIMIT 10
