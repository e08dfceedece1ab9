-- Per commitment over a window: capacity bought, used, wasted.
-- @p_provider STRING
SELECT
  provider,
  commitment_type,
  commitment_id,
  ANY_VALUE(commitment_name) AS commitment_name,
  SUM(provisioned_unit_hours) AS provisioned_unit_hours,
  SUM(used_unit_hours) AS used_unit_hours,
  ROUND(SAFE_DIVIDE(SUM(used_unit_hours), SUM(provisioned_unit_hours)) * 100, 1) AS utilization_pct,
  SUM(commitment_cost_usd) AS commitment_cost_usd,
  SUM(wasted_cost_usd) AS wasted_cost_usd
FROM genai_commitment_utilization
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
GROUP BY provider, commitment_type, commitment_id
ORDER BY commitment_cost_usd DESC
