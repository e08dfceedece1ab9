-- The ten models with the most token spend over a window, with their share of it: priced tokens
-- only (pay-as-you-go rates; tokens a commitment covers count at $0, the commitment itself is in
-- commitment_utilization), the same definition as the genai_top_models_30d view.
-- @p_provider STRING
SELECT
  provider,
  model,
  SUM(cost_usd) AS cost_usd,
  SUM(consumed_quantity) AS tokens,
  ROUND(SAFE_DIVIDE(SUM(cost_usd), SUM(SUM(cost_usd)) OVER ()) * 100, 1) AS share_pct
FROM genai_costs_daily_unified
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND cost_status = 'priced'
  AND consumed_unit = 'Tokens' AND (@p_provider = '' OR provider = @p_provider)
GROUP BY provider, model
ORDER BY cost_usd DESC, provider, model
LIMIT 10
