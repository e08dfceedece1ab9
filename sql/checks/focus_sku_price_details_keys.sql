-- FOCUS 1.3 SkuPriceDetails-C-017-C: a property key begins with "x_" unless FOCUS defines it
-- (the validator skips this rule). Keys are read from the JSON text, so nested keys count too.
SELECT x_CostId AS row_id, CONCAT('SkuPriceDetails key ', property_key, ' is neither FOCUS-defined nor x_-prefixed') AS violation
FROM cost_data_standard_1_3,
  UNNEST(REGEXP_EXTRACT_ALL(TO_JSON_STRING(SkuPriceDetails), r'"([^"]+)":')) AS property_key
WHERE ChargePeriodStart >= TIMESTAMP(@p_start_date) AND ChargePeriodStart < TIMESTAMP(@p_end_date)
  AND SkuPriceDetails IS NOT NULL
  AND NOT STARTS_WITH(property_key, 'x_')
  AND property_key NOT IN ('CoreCount', 'DiskMaxIops', 'DiskSpace', 'DiskType', 'GpuCount', 'InstanceSeries', 'InstanceType',
    'MemorySize', 'NetworkMaxIops', 'NetworkMaxThroughput', 'OperatingSystem', 'Redundancy', 'StorageClass')
