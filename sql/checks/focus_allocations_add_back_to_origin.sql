-- FOCUS 1.3 split cost allocation (DataGeneratorCalculatedSplitCostAllocationHandling): the allocated charges
-- of an origin charge, the unallocated remainder included, add back EXACTLY to it in every cost (BilledCost,
-- EffectiveCost, ListCost, ContractedCost, PricingCurrencyEffectiveCost) and quantity (ConsumedQuantity,
-- PricingQuantity), their AllocatedRatio values sum to 1, at most one of them is the remainder, each consumer
-- appears once, and the origin charge itself is no longer in the dataset (it would be counted twice). The
-- origin charge is the genai_costs_daily_unified row the split rows name in x_CostId (sp_genai_3 converts a
-- pay-as-you-go row one to one: BilledCost = billed_cost_usd, EffectiveCost = ContractedCost =
-- PricingCurrencyEffectiveCost = cost_usd, ListCost = list_cost_usd). Row id: day, provider, origin.
WITH split AS (
  SELECT
    DATE(ChargePeriodStart) AS usage_date, x_Provider AS provider, x_CostId AS cost_id,
    SUM(BilledCost) AS billed, SUM(EffectiveCost) AS effective, SUM(ListCost) AS list_cost,
    SUM(ContractedCost) AS contracted, SUM(PricingCurrencyEffectiveCost) AS pricing_currency_effective,
    SUM(ConsumedQuantity) AS consumed, SUM(PricingQuantity) AS pricing_quantity,
    SUM(CAST(JSON_VALUE(AllocatedMethodDetails, '$.Elements[0].AllocatedRatio') AS NUMERIC)) AS ratio,
    COUNTIF(AllocatedResourceId IS NULL) AS remainders,
    COUNT(AllocatedResourceId) - COUNT(DISTINCT AllocatedResourceId) AS repeated_consumers
  FROM cost_data_standard_1_3
  WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
    AND AllocatedMethodId IS NOT NULL
  GROUP BY 1, 2, 3
),
unsplit AS (
  SELECT DISTINCT x_CostId AS cost_id
  FROM cost_data_standard_1_3
  WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
    AND AllocatedMethodId IS NULL
),
origin AS (
  SELECT cost_id, billed_cost_usd, cost_usd, list_cost_usd, consumed_quantity, pricing_quantity
  FROM genai_costs_daily_unified
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND cost_status = 'priced'
)
SELECT
  CONCAT(CAST(s.usage_date AS STRING), ' ', s.provider, ' ', s.cost_id) AS row_id,
  CASE
    WHEN o.cost_id IS NULL THEN 'split charges without a priced origin row in genai_costs_daily_unified'
    WHEN u.cost_id IS NOT NULL THEN 'origin charge still present next to its split charges (counted twice)'
    WHEN s.billed IS DISTINCT FROM o.billed_cost_usd THEN CONCAT('BilledCost: split ', IFNULL(CAST(s.billed AS STRING), 'null'),
      ', origin ', IFNULL(CAST(o.billed_cost_usd AS STRING), 'null'))
    WHEN s.effective IS DISTINCT FROM o.cost_usd THEN CONCAT('EffectiveCost: split ',
      IFNULL(CAST(s.effective AS STRING), 'null'), ', origin ', IFNULL(CAST(o.cost_usd AS STRING), 'null'))
    WHEN s.list_cost IS DISTINCT FROM o.list_cost_usd THEN CONCAT('ListCost: split ',
      IFNULL(CAST(s.list_cost AS STRING), 'null'), ', origin ', IFNULL(CAST(o.list_cost_usd AS STRING), 'null'))
    WHEN s.contracted IS DISTINCT FROM o.cost_usd THEN 'ContractedCost does not add back'
    WHEN s.pricing_currency_effective IS DISTINCT FROM o.cost_usd THEN 'PricingCurrencyEffectiveCost does not add back'
    WHEN s.consumed IS DISTINCT FROM o.consumed_quantity THEN CONCAT('ConsumedQuantity: split ',
      IFNULL(CAST(s.consumed AS STRING), 'null'), ', origin ', IFNULL(CAST(o.consumed_quantity AS STRING), 'null'))
    WHEN s.pricing_quantity IS DISTINCT FROM o.pricing_quantity THEN CONCAT('PricingQuantity: split ',
      IFNULL(CAST(s.pricing_quantity AS STRING), 'null'), ', origin ', IFNULL(CAST(o.pricing_quantity AS STRING), 'null'))
    WHEN s.ratio IS DISTINCT FROM 1 THEN CONCAT('AllocatedRatio sums to ', IFNULL(CAST(s.ratio AS STRING), 'null'))
    WHEN s.remainders > 1 THEN 'more than one unallocated remainder'
    WHEN s.repeated_consumers > 0 THEN 'a consumer appears twice'
  END AS violation
FROM split AS s
LEFT JOIN origin AS o ON o.cost_id = s.cost_id
LEFT JOIN unsplit AS u ON u.cost_id = s.cost_id
WHERE o.cost_id IS NULL OR u.cost_id IS NOT NULL
  OR s.billed IS DISTINCT FROM o.billed_cost_usd OR s.effective IS DISTINCT FROM o.cost_usd
  OR s.list_cost IS DISTINCT FROM o.list_cost_usd OR s.contracted IS DISTINCT FROM o.cost_usd
  OR s.pricing_currency_effective IS DISTINCT FROM o.cost_usd
  OR s.consumed IS DISTINCT FROM o.consumed_quantity OR s.pricing_quantity IS DISTINCT FROM o.pricing_quantity
  OR s.ratio IS DISTINCT FROM 1 OR s.remainders > 1 OR s.repeated_consumers > 0
