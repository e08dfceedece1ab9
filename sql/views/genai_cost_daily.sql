-- Cost per day, provider, model and project (last 400 days), the table most reports start from.
-- Unpriced usage is counted in tokens but never as $0: see unpriced_tokens and genai_pricing_coverage.
CREATE OR REPLACE VIEW genai_cost_daily AS
SELECT
  usage_date,
  provider,
  model,
  project_id,
  flow,
  SUM(IF(cost_status = 'priced', cost_usd, 0)) AS cost_usd,
  SUM(IF(cost_status = 'priced', list_cost_usd, 0)) AS list_cost_usd,
  -- Dollars the provider reported for model-days the catalog cannot price (not in cost_usd).
  SUM(IF(cost_status = 'provider_reported', cost_usd, 0)) AS provider_reported_usd,
  SUM(IF(consumed_unit = 'Tokens', consumed_quantity, 0)) AS tokens,
  SUM(IF(cost_status = 'unpriced' AND consumed_unit = 'Tokens', consumed_quantity, 0)) AS unpriced_tokens,
  COUNTIF(cost_status = 'unpriced') AS unpriced_rows
FROM genai_costs_daily_unified
WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 400 DAY)
GROUP BY usage_date, provider, model, project_id, flow
