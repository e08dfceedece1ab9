-- FOCUS 1.3: mandatory columns that allow no nulls.
SELECT x_CostId AS row_id, 'mandatory column is null' AS violation
FROM cost_data_standard_1_3
WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
  AND (BilledCost IS NULL OR EffectiveCost IS NULL OR ListCost IS NULL OR ContractedCost IS NULL
    OR BillingAccountId IS NULL OR BillingCurrency IS NULL OR BillingPeriodStart IS NULL OR BillingPeriodEnd IS NULL
    OR ChargeCategory IS NULL OR ChargeFrequency IS NULL OR ChargePeriodStart IS NULL OR ChargePeriodEnd IS NULL
    OR InvoiceIssuerName IS NULL OR ProviderName IS NULL OR PublisherName IS NULL OR ServiceCategory IS NULL
    OR ServiceName IS NULL OR ServiceProviderName IS NULL OR ServiceSubcategory IS NULL OR HostProviderName IS NULL)
