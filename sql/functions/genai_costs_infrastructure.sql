-- Infrastructure costs for [p_start_date, p_end_date): Vertex AI GPU hours x the SKU's rate per
-- GPU-hour, per endpoint and deployed model. One job of sp_genai_2_consolidate_costs_daily.
CREATE OR REPLACE TABLE FUNCTION genai_costs_infrastructure(p_org_slug STRING, p_start_date DATE, p_end_date DATE) AS
WITH
gpu_daily AS (
  SELECT
    provider, usage_date, endpoint_id, deployed_model_id, model, region, accelerator_type, hourly_rate_usd, sku_id,
    SUM(gpu_hours) AS gpu_hours
  FROM genai_infrastructure_vertex_ai_gpu
  WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
  GROUP BY provider, usage_date, endpoint_id, deployed_model_id, model, region, accelerator_type, hourly_rate_usd,
    sku_id
)
SELECT
  -- Compact id (as genai_usage_daily.usage_id): the first 128 bits of SHA-256 of the grain, hex.
  SUBSTR(TO_HEX(SHA256(CONCAT(g.endpoint_id, '|', g.deployed_model_id, '|', g.accelerator_type, '|',
    CAST(g.usage_date AS STRING), '|', IFNULL(CAST(g.hourly_rate_usd AS STRING), '')))), 1, 32) AS cost_id,
  'infrastructure' AS flow,
  'Usage' AS charge_category,
  p_org_slug AS org_slug, g.usage_date, g.provider, g.model, g.region,
  CAST(NULL AS STRING) AS service_tier, CAST(NULL AS BOOL) AS is_batch, CAST(NULL AS STRING) AS project_id,
  CAST(NULL AS STRING) AS api_key_id, CONCAT(g.endpoint_id, '/', g.deployed_model_id) AS deployment,
  CAST(NULL AS STRING) AS context_window,
  'gpu_hours' AS token_type,
  CAST(NULL AS STRING) AS usage_id,
  IF(g.hourly_rate_usd IS NULL, NULL, CONCAT('billing_export:', IFNULL(g.sku_id, g.accelerator_type))) AS pricing_id,
  CAST(NULL AS STRING) AS price_match,
  IF(g.hourly_rate_usd IS NULL, NULL, 'gpu_hours') AS price_rule,
  IF(g.hourly_rate_usd IS NULL, NULL, 'standard') AS pricing_type,
  IF(g.hourly_rate_usd IS NULL, NULL, FALSE) AS is_custom_price,
  g.gpu_hours AS consumed_quantity,
  c.consumed_unit,
  CAST(0 AS NUMERIC) AS free_quantity,
  g.gpu_hours AS billable_quantity,
  c.pricing_unit,
  g.gpu_hours AS pricing_quantity,
  g.hourly_rate_usd AS list_unit_price,
  g.hourly_rate_usd AS unit_price,
  ROUND(g.hourly_rate_usd * g.gpu_hours, 9) AS list_cost_usd,
  ROUND(g.hourly_rate_usd * g.gpu_hours, 9) AS cost_usd,
  ROUND(g.hourly_rate_usd * g.gpu_hours, 9) AS billed_cost_usd,
  'USD' AS currency,
  IF(g.hourly_rate_usd IS NULL, 'unpriced', 'priced') AS cost_status,
  IF(g.hourly_rate_usd IS NULL, CONCAT('no GPU-hour rate for ', g.accelerator_type, ' in ', IFNULL(g.region, '?')),
    NULL) AS unpriced_reason,
  CAST(NULL AS STRING) AS commitment_id, CAST(NULL AS STRING) AS commitment_type,
  CAST(NULL AS STRING) AS commitment_status, CAST(NULL AS STRING) AS subscription_id,
  CAST(NULL AS STRING) AS estimate_reason
FROM gpu_daily AS g
LEFT JOIN genai_ref_token_categories AS c ON c.token_type = 'gpu_hours';
