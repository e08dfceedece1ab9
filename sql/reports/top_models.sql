-- The ten most expensive models over a window, with their share of spend.
SELECT
  provider,
  model,
  SUM(cost_usd) AS cost_usd,
  SUM(tokens) AS tokens,
  ROUND(SAFE_DIVIDE(SUM(cost_usd), SUM(SUM(cost_usd)) OVER ()) * 100, 1) AS share_pct
FROM genai_cost_daily
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date
GROUP BY provider, model
ORDER BY cost_usd DESC
LIMIT 10
