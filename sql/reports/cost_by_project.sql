-- Computed cost, tokens and unpriced tokens per provider and project (the provider's project,
-- workspace or account the usage was reported under) over a window; all flows.
-- @p_provider STRING
SELECT
  provider,
  IFNULL(project_id, '(none)') AS project_id,
  SUM(cost_usd) AS cost_usd,
  SUM(tokens) AS tokens,
  SUM(unpriced_tokens) AS unpriced_tokens
FROM genai_cost_daily
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
GROUP BY provider, project_id
ORDER BY cost_usd DESC, provider, project_id
