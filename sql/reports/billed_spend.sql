-- Billed and computed cost of one provider (or all, when @p_provider is NULL) over a window of
-- usage dates: what `make run` sizes its demo budgets from.
-- @p_start DATE  @p_end DATE  @p_provider STRING
SELECT COALESCE(SUM(cost_usd), 0) AS spend_usd
FROM genai_costs_daily_unified
WHERE usage_date >= @p_start AND usage_date < @p_end AND (@p_provider IS NULL OR provider = @p_provider)
