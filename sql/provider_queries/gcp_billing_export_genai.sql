-- Daily GenAI charges from the Cloud Billing standard usage export (BigQuery dialect).
--
-- Parameters (named, bound by the client, never formatted into the text):
--   @start_time            TIMESTAMP  inclusive, UTC
--   @end_time              TIMESTAMP  exclusive, UTC
--   @service_description   STRING     e.g. 'Vertex AI' or 'Gemini API' (one query per service name)
--
-- The export table is the only identifier. The placeholder below is replaced by
-- genai_costs.providers.gcp_billing_export ONLY after the configured name matched
-- ^[a-z0-9-]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$ (project.dataset.table), and only inside the backquotes.
--
-- Gross cost and credits are returned separately (net = cost + credits; credits are negative).
-- Money is summed as NUMERIC so float error does not accumulate.
-- No _PARTITIONTIME filter: late rows land in later partitions, and not every export table is
-- ingestion-time partitioned. Add one (lower bound only) if scan cost matters.
WITH rows_in_window AS (
  SELECT
    DATE(usage_start_time) AS usage_date,
    project.id AS project_id,
    service.description AS service_description,
    sku.id AS sku_id,
    sku.description AS sku_description,
    location.region AS region,
    currency,
    CAST(cost AS NUMERIC) AS cost,
    (SELECT IFNULL(SUM(CAST(c.amount AS NUMERIC)), 0) FROM UNNEST(credits) AS c) AS credits
  FROM `__BILLING_EXPORT_TABLE__`
  WHERE usage_start_time >= @start_time
    AND usage_start_time < @end_time
    AND service.description = @service_description
)
SELECT
  usage_date,
  project_id,
  service_description,
  sku_id,
  sku_description,
  region,
  currency,
  SUM(cost) AS cost,
  SUM(credits) AS credits
FROM rows_in_window
GROUP BY usage_date, project_id, service_description, sku_id, sku_description, region, currency
ORDER BY usage_date, project_id, sku_id, region
