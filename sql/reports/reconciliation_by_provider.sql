-- Computed cost next to provider-reported cost per provider over a window.
-- @p_provider STRING
SELECT
  provider,
  SUM(computed_usd) AS computed_usd,
  SUM(reported_usd) AS reported_usd,
  SUM(computed_usd) - SUM(reported_usd) AS difference_usd,
  ROUND(SAFE_DIVIDE(SUM(computed_usd) - SUM(reported_usd), SUM(reported_usd)) * 100, 2) AS difference_pct,
  SUM(unpriced_tokens) AS unpriced_tokens
FROM genai_reconciliation_daily
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
GROUP BY provider
ORDER BY provider
