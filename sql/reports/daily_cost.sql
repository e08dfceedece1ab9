-- Spend per day and provider over a window (for the chart).
-- @p_provider STRING
SELECT usage_date, provider, SUM(cost_usd) AS cost_usd
FROM genai_cost_daily
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
GROUP BY usage_date, provider
ORDER BY usage_date, provider
