-- FOCUS 1.3 CAU-ServiceName-C-008-C: a ServiceName SHOULD have one and only one ServiceSubcategory
-- (the provider catalog gives each service exactly one). Checked over the window's rows.
SELECT ServiceName AS row_id,
  CONCAT('ServiceName has ', CAST(COUNT(DISTINCT ServiceSubcategory) AS STRING), ' ServiceSubcategory values') AS violation
FROM cost_data_standard_1_3
WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
GROUP BY ServiceName
HAVING COUNT(DISTINCT ServiceSubcategory) > 1
