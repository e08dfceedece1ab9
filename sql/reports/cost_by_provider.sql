-- Spend, tokens and unpriced tokens per provider over a window.
-- @p_provider STRING
SELECT
  provider,
  SUM(cost_usd) AS cost_usd,
  SUM(tokens) AS tokens,
  SUM(unpriced_tokens) AS unpriced_tokens
FROM genai_cost_daily
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
GROUP BY provider
ORDER BY cost_usd DESC
