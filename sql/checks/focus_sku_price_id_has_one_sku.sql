-- FOCUS 1.3 CAU-SkuPriceId-C-008-M: a SkuPriceId MUST have one and only one parent SkuId (a price
-- identifies the price of exactly one SKU). Checked over the window's rows.
SELECT SkuPriceId AS row_id, CONCAT('SkuPriceId has ', CAST(COUNT(DISTINCT SkuId) AS STRING), ' parent SkuIds') AS violation
FROM cost_data_standard_1_3
WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
  AND SkuPriceId IS NOT NULL
GROUP BY SkuPriceId
HAVING COUNT(DISTINCT SkuId) > 1
