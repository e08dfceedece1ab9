-- Savings recommendations from the organization's own billed usage, in dollars per month (30 days),
-- each with its evidence window. Implemented so far: commitment right-sizing (Azure PTU, Bedrock
-- provisioned throughput, Vertex GSU) against measured utilization over the last 30 full days: a
-- commitment used below 80 % of what was bought could be cut to what was used, saving the unused part
-- (the unused cost of the window, scaled to 30 days; an upper bound, since a cut must still cover the
-- busiest hour).
CREATE OR REPLACE VIEW genai_savings_recommendations AS
WITH evidence AS (
  SELECT
    provider,
    commitment_type,
    commitment_id,
    ANY_VALUE(commitment_name) AS commitment_name,
    ANY_VALUE(model) AS model,
    MIN(usage_date) AS evidence_start,
    MAX(usage_date) AS evidence_end,
    COUNT(DISTINCT usage_date) AS evidence_days,
    SUM(provisioned_unit_hours) AS provisioned_unit_hours,
    SUM(used_unit_hours) AS used_unit_hours,
    SUM(commitment_cost_usd) AS commitment_cost_usd,
    SUM(wasted_cost_usd) AS wasted_cost_usd
  FROM genai_commitment_utilization
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) AND usage_date < CURRENT_DATE()
  GROUP BY provider, commitment_type, commitment_id
)
SELECT
  'commitment_right_sizing' AS recommendation_type,
  provider,
  model,
  commitment_id AS subject,
  CONCAT(
    'Commitment ', IFNULL(commitment_name, commitment_id), ' (', commitment_type, ') was ',
    CAST(ROUND(SAFE_DIVIDE(used_unit_hours, provisioned_unit_hours) * 100, 1) AS STRING),
    ' % utilized over ', CAST(evidence_days AS STRING), ' days: reduce it to the capacity used'
  ) AS recommendation,
  ROUND(SAFE_DIVIDE(used_unit_hours, provisioned_unit_hours) * 100, 2) AS utilization_pct,
  evidence_start,
  evidence_end,
  evidence_days,
  commitment_cost_usd AS evidence_cost_usd,
  ROUND(CAST(wasted_cost_usd * 30 / evidence_days AS NUMERIC), 2) AS savings_usd_per_month
FROM evidence
WHERE provisioned_unit_hours > 0 AND used_unit_hours < 0.8 * provisioned_unit_hours AND wasted_cost_usd > 0
