-- Vertex AI GPU SKU rows from the Cloud Billing usage export, for GPU-hour rates (BigQuery dialect).
--
-- Parameters: @start_time TIMESTAMP (inclusive), @end_time TIMESTAMP (exclusive),
-- @service_description STRING ('Vertex AI'). The export table is the only identifier: the
-- backquoted placeholder is replaced only after the name matched project.dataset.table.
SELECT usage_start_time, service, sku, project, location, cost, currency, usage
FROM `__BILLING_EXPORT_TABLE__`
WHERE usage_start_time >= @start_time
  AND usage_start_time < @end_time
  AND service.description = @service_description
  AND STRPOS(LOWER(sku.description), 'gpu') > 0
