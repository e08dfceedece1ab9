-- Computed costs that are estimates over a window: priced at the standard rate because the source does
-- not report a dimension that can raise it (the context-window tier of a model with long-context
-- rates); the provider's bill may be higher. Send usage events (their prompt size decides the tier) or
-- compare with the billing export to settle them.
-- @p_provider STRING
SELECT provider, model, STRING_AGG(DISTINCT estimate_reason, '; ') AS reason, SUM(consumed_quantity) AS tokens,
  SUM(billed_cost_usd) AS cost_usd
FROM genai_costs_daily_unified
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
  AND cost_status = 'priced' AND estimate_reason IS NOT NULL
GROUP BY provider, model
ORDER BY cost_usd DESC, provider, model
