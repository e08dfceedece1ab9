-- FOCUS 1.3 totals per service and charge category over a window.
-- @p_provider STRING
SELECT
  ServiceName AS service_name,
  ChargeCategory AS charge_category,
  COUNT(*) AS focus_rows,
  SUM(BilledCost) AS billed_cost,
  SUM(EffectiveCost) AS effective_cost,
  SUM(ListCost) AS list_cost
FROM cost_data_standard_1_3
WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
  AND (@p_provider = '' OR x_Provider = @p_provider)
GROUP BY ServiceName, ChargeCategory
ORDER BY effective_cost DESC
