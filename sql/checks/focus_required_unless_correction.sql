-- FOCUS 1.3 columns that MUST NOT be null on Usage and Purchase rows unless ChargeClass is
-- "Correction". The FinOps validator tests these with ChargeClass != 'Correction', which is never
-- true when ChargeClass is NULL (every ordinary row), so only this check sees them. The price and
-- quantity columns that follow from SkuPriceId are in focus_conditional_nullability.
SELECT x_CostId AS row_id, CONCAT(rule, ' is null on a usage/purchase row that is not a correction') AS violation
FROM (
  SELECT x_CostId,
    CASE
      WHEN SkuId IS NULL THEN 'SkuId (SkuId-C-005-C)'
      WHEN SkuPriceId IS NULL THEN 'SkuPriceId (SkuPriceId-C-005-C)'
      WHEN PricingCurrency IS NOT NULL AND PricingCurrencyListUnitPrice IS NULL
        THEN 'PricingCurrencyListUnitPrice (PricingCurrencyListUnitPrice-C-005-C)'
      WHEN PricingCurrency IS NOT NULL AND PricingCurrencyContractedUnitPrice IS NULL
        THEN 'PricingCurrencyContractedUnitPrice (PricingCurrencyContractedUnitPrice-C-005-C)'
      WHEN CommitmentDiscountId IS NOT NULL AND CommitmentDiscountQuantity IS NULL
        THEN 'CommitmentDiscountQuantity (CommitmentDiscountQuantity-C-005-C)'
    END AS rule
  FROM cost_data_standard_1_3
  WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
    AND ChargeCategory IN ('Usage', 'Purchase') AND IFNULL(ChargeClass, '') != 'Correction'
)
WHERE rule IS NOT NULL
