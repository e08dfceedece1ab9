-- What each commitment cost, how much of it was used and what was wasted, per day (last 90 days).
CREATE OR REPLACE VIEW genai_commitment_utilization AS
SELECT
  usage_date,
  provider,
  commitment_type,
  commitment_id,
  ANY_VALUE(deployment) AS commitment_name,
  ANY_VALUE(model) AS model,
  ANY_VALUE(pricing_unit) AS capacity_unit,
  SUM(IF(charge_category = 'Purchase', pricing_quantity, 0)) AS provisioned_unit_hours,
  SUM(IF(commitment_status = 'Used', pricing_quantity, 0)) AS used_unit_hours,
  SUM(IF(commitment_status = 'Unused', pricing_quantity, 0)) AS unused_unit_hours,
  ROUND(SAFE_DIVIDE(SUM(IF(commitment_status = 'Used', pricing_quantity, 0)),
    SUM(IF(charge_category = 'Purchase', pricing_quantity, 0))) * 100, 2) AS utilization_pct,
  SUM(IF(charge_category = 'Purchase', billed_cost_usd, 0)) AS commitment_cost_usd,
  SUM(IF(commitment_status = 'Unused', cost_usd, 0)) AS wasted_cost_usd
FROM genai_costs_daily_unified
WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY) AND flow = 'commitment' AND cost_status = 'priced'
GROUP BY usage_date, provider, commitment_type, commitment_id
