-- Every FOCUS correction row is one genai_cost_corrections row with the same amounts, billed in a later
-- billing period than the day it corrects (FOCUS 1.3 ChargeClass: a correction to a previously invoiced
-- billing period), and every correction row of the window has its FOCUS row.
WITH focus AS (
  SELECT x_CostId, EffectiveCost, BilledCost, ListCost, BillingPeriodStart, ChargePeriodStart
  FROM cost_data_standard_1_3
  WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
    AND ChargeClass = 'Correction'
),
ledger AS (
  SELECT correction_id, cost_difference_usd, billed_difference_usd, list_difference_usd
  FROM genai_cost_corrections
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date
)
SELECT COALESCE(f.x_CostId, l.correction_id) AS row_id,
  CASE
    WHEN f.x_CostId IS NULL THEN 'correction without its FOCUS row'
    WHEN l.correction_id IS NULL THEN 'FOCUS correction row without a genai_cost_corrections row'
    WHEN f.BillingPeriodStart <= f.ChargePeriodStart THEN 'correction billed in the period it corrects'
    ELSE 'FOCUS correction amounts differ from genai_cost_corrections'
  END AS violation
FROM focus AS f
FULL OUTER JOIN ledger AS l ON l.correction_id = f.x_CostId
WHERE f.x_CostId IS NULL OR l.correction_id IS NULL OR f.BillingPeriodStart <= f.ChargePeriodStart
  OR f.EffectiveCost != l.cost_difference_usd OR f.BilledCost != l.billed_difference_usd
  OR f.ListCost != l.list_difference_usd
