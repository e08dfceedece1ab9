-- ListCost = ListUnitPrice x PricingQuantity and ContractedCost = ContractedUnitPrice x
-- PricingQuantity, exactly at NUMERIC precision (both sides rounded to 9 decimals). A split cost allocation
-- charge (sp_genai_4c) carries a share of its origin's cost that must add back to it exactly, so its cost is
-- unit price x its PricingQuantity within less than one nano-dollar (largest remainder), compared exactly.
SELECT x_CostId AS row_id, 'cost is not unit price x pricing quantity' AS violation
FROM cost_data_standard_1_3
WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
  AND PricingQuantity IS NOT NULL
  AND IF(AllocatedMethodId IS NULL,
    ListCost != ROUND(ListUnitPrice * PricingQuantity, 9)
      OR ContractedCost != ROUND(ContractedUnitPrice * PricingQuantity, 9),
    ABS(CAST(ListUnitPrice AS BIGNUMERIC) * PricingQuantity - ListCost) >= 0.000000001
      OR ABS(CAST(ContractedUnitPrice AS BIGNUMERIC) * PricingQuantity - ContractedCost) >= 0.000000001)
