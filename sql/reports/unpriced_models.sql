-- Usage no price covers over a window: add a catalog row to price it.
-- @p_provider STRING
SELECT provider, model, STRING_AGG(DISTINCT unpriced_reason, '; ') AS reason, SUM(consumed_quantity) AS tokens
FROM genai_costs_daily_unified
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider) AND cost_status = 'unpriced'
GROUP BY provider, model
ORDER BY tokens DESC
