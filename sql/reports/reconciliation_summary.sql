-- Reconciliation of the applications' events against provider data per provider and grain over the
-- report window (the seed's summary; genai_reconciliation_summary is the same without a window).
SELECT
  provider,
  grain,
  COUNT(*) AS compared,
  COUNTIF(status = 'matched') AS matched,
  COUNTIF(status = 'discrepancy') AS discrepancy,
  COUNTIF(status = 'not found') AS not_found,
  COUNTIF(status = 'pending') AS pending,
  ROUND(SAFE_DIVIDE(COUNTIF(status = 'matched'), COUNTIF(status IN ('matched', 'discrepancy'))) * 100, 1)
    AS match_rate_pct,
  ROUND(SAFE_DIVIDE(SUM(IF(status != 'pending', LEAST(estimated_usd, actual_usd), 0)),
    SUM(IF(status != 'pending', actual_usd, 0))) * 100, 1) AS capture_rate_pct,
  ROUND(SAFE_DIVIDE(SUM(IF(status != 'pending', LEAST(estimated_tokens, actual_tokens), 0)),
    SUM(IF(status != 'pending', actual_tokens, 0))) * 100, 1) AS capture_tokens_pct,
  SUM(estimated_usd) AS estimated_usd,
  SUM(actual_usd) AS actual_usd,
  SUM(actual_usd) - SUM(estimated_usd) AS difference_usd,
  ROUND(SAFE_DIVIDE(SUM(actual_usd) - SUM(estimated_usd), SUM(estimated_usd)) * 100, 2) AS difference_pct
FROM genai_reconciliation_by_grain
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date
GROUP BY provider, grain
ORDER BY provider, grain
