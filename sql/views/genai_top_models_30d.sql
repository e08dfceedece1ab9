-- The models with the most token spend over the last 30 days, with their share of it: priced tokens
-- only (tokens a commitment covers count $0; commitments are in genai_commitment_utilization), the
-- same definition as the report's top models (sql/reports/top_models.sql).
CREATE OR REPLACE VIEW genai_top_models_30d AS
WITH by_model AS (
  SELECT provider, model, SUM(cost_usd) AS cost_usd, SUM(consumed_quantity) AS tokens
  FROM genai_costs_daily_unified
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) AND cost_status = 'priced'
    AND consumed_unit = 'Tokens'
  GROUP BY provider, model
)
SELECT
  RANK() OVER (ORDER BY cost_usd DESC) AS cost_rank,
  provider,
  model,
  cost_usd,
  tokens,
  ROUND(SAFE_DIVIDE(cost_usd, SUM(cost_usd) OVER ()) * 100, 2) AS share_pct
FROM by_model
