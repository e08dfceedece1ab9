-- Usage that has no price, with the reason, so it can be fixed by adding a catalog row (last 90 days).
CREATE OR REPLACE VIEW genai_unpriced_usage AS
SELECT
  provider,
  model,
  token_type,
  unpriced_reason,
  MIN(usage_date) AS first_seen,
  MAX(usage_date) AS last_seen,
  SUM(consumed_quantity) AS tokens
FROM genai_costs_daily_unified
WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY) AND cost_status = 'unpriced'
GROUP BY provider, model, token_type, unpriced_reason
