-- Spend, tokens and unpriced tokens per provider over a window: cost_usd computed from the catalog,
-- provider_reported_usd the providers' own figure for model-days the catalog cannot price.
-- @p_provider STRING
SELECT
  provider,
  SUM(cost_usd) AS cost_usd,
  SUM(provider_reported_usd) AS provider_reported_usd,
  SUM(tokens) AS tokens,
  SUM(unpriced_tokens) AS unpriced_tokens
FROM genai_cost_daily
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
GROUP BY provider
ORDER BY cost_usd DESC
