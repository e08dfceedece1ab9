-- Per commitment and day: EffectiveCost of Used + Unused usage equals the BilledCost of its
-- Purchase (FOCUS EffectiveCost-C-012/013), to the nano-dollar.
SELECT CommitmentDiscountId AS row_id, 'used + unused effective cost differs from purchase billed cost' AS violation
FROM cost_data_standard_1_3
WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
  AND CommitmentDiscountId IS NOT NULL
GROUP BY CommitmentDiscountId, ChargePeriodStart
HAVING SUM(IF(ChargeCategory = 'Purchase', BilledCost, 0)) != SUM(IF(ChargeCategory = 'Usage', EffectiveCost, 0))
