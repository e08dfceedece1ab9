-- ListCost = ListUnitPrice x PricingQuantity and ContractedCost = ContractedUnitPrice x
-- PricingQuantity, exactly at NUMERIC precision (both sides rounded to 9 decimals).
SELECT x_CostId AS row_id, 'cost is not unit price x pricing quantity' AS violation
FROM cost_data_standard_1_3
WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
  AND PricingQuantity IS NOT NULL
  AND (ListCost != ROUND(ListUnitPrice * PricingQuantity, 9)
    OR ContractedCost != ROUND(ContractedUnitPrice * PricingQuantity, 9))
