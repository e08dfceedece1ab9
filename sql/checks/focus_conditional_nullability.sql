-- FOCUS 1.3 rules that depend on other columns: SkuPriceId drives the price and quantity
-- columns; ChargeCategory and commitment status drive ConsumedQuantity; unit columns follow
-- their quantities; commitment columns are all set or all null.
SELECT x_CostId AS row_id, rule AS violation
FROM (
  SELECT x_CostId,
    CASE
      WHEN SkuPriceId IS NULL AND (ConsumedQuantity IS NOT NULL OR PricingQuantity IS NOT NULL OR ListUnitPrice IS NOT NULL
        OR ContractedUnitPrice IS NOT NULL OR PricingCategory IS NOT NULL) THEN 'SkuPriceId null but price/quantity set'
      WHEN SkuPriceId IS NOT NULL AND (ListUnitPrice IS NULL OR ContractedUnitPrice IS NULL) THEN 'SkuPriceId set but unit price null'
      WHEN ChargeCategory IN ('Usage', 'Purchase') AND ChargeClass IS NULL AND SkuPriceId IS NOT NULL
        AND (PricingQuantity IS NULL OR PricingCategory IS NULL OR SkuId IS NULL) THEN 'usage/purchase row lacks pricing columns'
      WHEN ChargeCategory != 'Usage' AND ConsumedQuantity IS NOT NULL THEN 'ConsumedQuantity set on a non-usage row'
      WHEN CommitmentDiscountStatus = 'Unused' AND ConsumedQuantity IS NOT NULL THEN 'ConsumedQuantity set on unused commitment'
      WHEN ChargeCategory = 'Usage' AND ChargeClass IS NULL AND IFNULL(CommitmentDiscountStatus, '') != 'Unused'
        AND SkuPriceId IS NOT NULL AND ConsumedQuantity IS NULL THEN 'ConsumedQuantity null on usage'
      WHEN (ConsumedQuantity IS NULL) != (ConsumedUnit IS NULL) THEN 'ConsumedUnit null iff ConsumedQuantity null'
      WHEN (PricingQuantity IS NULL) != (PricingUnit IS NULL) THEN 'PricingUnit null iff PricingQuantity null'
      WHEN (CommitmentDiscountId IS NULL) != (CommitmentDiscountCategory IS NULL)
        OR (CommitmentDiscountId IS NULL) != (CommitmentDiscountType IS NULL) THEN 'commitment columns partially set'
      WHEN CommitmentDiscountId IS NULL AND CommitmentDiscountStatus IS NOT NULL THEN 'status without commitment'
      WHEN CommitmentDiscountId IS NOT NULL AND ChargeCategory = 'Usage' AND CommitmentDiscountStatus IS NULL THEN 'commitment usage without status'
      WHEN (CommitmentDiscountQuantity IS NULL) != (CommitmentDiscountUnit IS NULL) THEN 'CommitmentDiscountUnit null iff quantity null'
      WHEN SubAccountId IS NULL AND (SubAccountName IS NOT NULL OR SubAccountType IS NOT NULL) THEN 'sub account columns without id'
      WHEN (ResourceId IS NULL) != (ResourceType IS NULL) THEN 'ResourceType null iff ResourceId null'
      WHEN RegionId IS NULL AND RegionName IS NOT NULL THEN 'RegionName without RegionId'
      WHEN ListUnitPrice < 0 OR ContractedUnitPrice < 0 THEN 'negative unit price'
      WHEN ChargePeriodEnd <= ChargePeriodStart OR BillingPeriodEnd <= BillingPeriodStart THEN 'period end not after start'
    END AS rule
  FROM cost_data_standard_1_3
  WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
)
WHERE rule IS NOT NULL
