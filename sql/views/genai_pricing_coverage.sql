-- How much usage could be priced, per day and provider (last 90 days): "99.97 % of tokens priced",
-- and which models were not.
CREATE OR REPLACE VIEW genai_pricing_coverage AS
SELECT
  usage_date,
  provider,
  SUM(consumed_quantity) AS tokens,
  SUM(IF(cost_status = 'priced', consumed_quantity, 0)) AS priced_tokens,
  SUM(IF(cost_status = 'unpriced', consumed_quantity, 0)) AS unpriced_tokens,
  ROUND(SAFE_DIVIDE(SUM(IF(cost_status = 'priced', consumed_quantity, 0)), SUM(consumed_quantity)) * 100, 4) AS coverage_pct,
  STRING_AGG(DISTINCT IF(cost_status = 'unpriced', model, NULL), ', ') AS unpriced_models
FROM genai_costs_daily_unified
WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY) AND consumed_unit = 'Tokens'
GROUP BY usage_date, provider
