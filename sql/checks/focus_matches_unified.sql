-- Nothing is lost or invented between the unified table and FOCUS: per day, the priced
-- unified cost equals FOCUS EffectiveCost. Corrections of closed periods (ChargeClass 'Correction')
-- are differences to these rows, kept apart (genai_cost_corrections): focus_corrections_match_ledger.
WITH unified AS (
  SELECT usage_date, SUM(cost_usd) AS cost
  FROM genai_costs_daily_unified
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND cost_status = 'priced'
  GROUP BY usage_date
),
focus AS (
  SELECT DATE(ChargePeriodStart) AS usage_date, SUM(EffectiveCost) AS cost
  FROM cost_data_standard_1_3
  WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
    AND ChargeClass IS NULL
  GROUP BY 1
)
SELECT CAST(COALESCE(u.usage_date, f.usage_date) AS STRING) AS row_id,
  'FOCUS EffectiveCost differs from unified priced cost' AS violation
FROM unified AS u
FULL OUTER JOIN focus AS f ON f.usage_date = u.usage_date
WHERE IFNULL(u.cost, 0) != IFNULL(f.cost, 0)
