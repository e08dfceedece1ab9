-- How much usage could be priced, per day and provider (last 90 days): "99.97 % of tokens priced",
-- which models were not, and the same in dollars: computed cost (priced by the catalog) next to the
-- provider-reported dollars of model-days the catalog cannot price (cost_status provider_reported).
-- Tokens still unpriced have no dollar figure at all: they are spend at risk, counted in tokens.
CREATE OR REPLACE VIEW genai_pricing_coverage AS
SELECT
  usage_date,
  provider,
  SUM(consumed_quantity) AS tokens,
  SUM(IF(cost_status = 'priced', consumed_quantity, 0)) AS priced_tokens,
  SUM(IF(cost_status = 'provider_reported', consumed_quantity, 0)) AS provider_reported_tokens,
  SUM(IF(cost_status = 'unpriced', consumed_quantity, 0)) AS unpriced_tokens,
  ROUND(SAFE_DIVIDE(SUM(IF(cost_status = 'priced', consumed_quantity, 0)), SUM(consumed_quantity)) * 100, 4) AS coverage_pct,
  SUM(IF(cost_status = 'priced', cost_usd, 0)) AS computed_usd,
  SUM(IF(cost_status = 'provider_reported', cost_usd, 0)) AS provider_reported_usd,
  ROUND(SAFE_DIVIDE(SUM(IF(cost_status = 'priced', cost_usd, 0)),
    SUM(IF(cost_status IN ('priced', 'provider_reported'), cost_usd, 0))) * 100, 4) AS coverage_usd_pct,
  STRING_AGG(DISTINCT IF(cost_status IN ('unpriced', 'provider_reported'), model, NULL), ', ') AS unpriced_models
FROM genai_costs_daily_unified
WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY) AND consumed_unit = 'Tokens'
GROUP BY usage_date, provider
