-- FOCUS 1.3 enumerations and unit format, checked on every row (not "at least one row matches").
SELECT x_CostId AS row_id, CONCAT('value not allowed in ', column_name) AS violation
FROM (
  SELECT x_CostId,
    CASE
      WHEN ChargeCategory NOT IN ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment') THEN 'ChargeCategory'
      WHEN ChargeClass IS NOT NULL AND ChargeClass != 'Correction' THEN 'ChargeClass'
      WHEN ChargeFrequency NOT IN ('One-Time', 'Recurring', 'Usage-Based') THEN 'ChargeFrequency'
      WHEN ChargeCategory = 'Purchase' AND ChargeFrequency = 'Usage-Based' THEN 'ChargeFrequency'
      WHEN PricingCategory IS NOT NULL AND PricingCategory NOT IN ('Standard', 'Committed', 'Dynamic', 'Other') THEN 'PricingCategory'
      WHEN CommitmentDiscountCategory IS NOT NULL AND CommitmentDiscountCategory NOT IN ('Spend', 'Usage') THEN 'CommitmentDiscountCategory'
      WHEN CommitmentDiscountStatus IS NOT NULL AND CommitmentDiscountStatus NOT IN ('Used', 'Unused') THEN 'CommitmentDiscountStatus'
      WHEN CapacityReservationStatus IS NOT NULL AND CapacityReservationStatus NOT IN ('Used', 'Unused') THEN 'CapacityReservationStatus'
      WHEN ServiceCategory != 'AI and Machine Learning' THEN 'ServiceCategory'
      WHEN ServiceSubcategory NOT IN ('Generative AI', 'Machine Learning', 'AI Platforms') THEN 'ServiceSubcategory'
      WHEN PricingUnit IS NOT NULL AND NOT REGEXP_CONTAINS(PricingUnit, r'^([0-9]+ )?[A-Z][A-Za-z]*(-[A-Z][A-Za-z]*)?$') THEN 'PricingUnit'
      WHEN ConsumedUnit IS NOT NULL AND NOT REGEXP_CONTAINS(ConsumedUnit, r'^([0-9]+ )?[A-Z][A-Za-z]*(-[A-Z][A-Za-z]*)?$') THEN 'ConsumedUnit'
      WHEN LENGTH(BillingCurrency) != 3 OR UPPER(BillingCurrency) != BillingCurrency THEN 'BillingCurrency'
    END AS column_name
  FROM cost_data_standard_1_3
  WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
)
WHERE column_name IS NOT NULL
