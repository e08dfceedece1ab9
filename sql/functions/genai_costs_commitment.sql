-- Capacity commitment costs for [p_start_date, p_end_date) (Azure PTU, Bedrock provisioned
-- throughput, Vertex GSU, read through genai_commitment_capacity_all): per commitment and day, a
-- Purchase row (billed: units x active hours x hourly unit price; effective 0) and Used / Unused usage
-- rows that split that amount by measured utilization. Unused = purchase - used, exactly, so the two
-- always add back to the purchase. Hours with unknown utilization count as used (price_rule
-- commitment_utilization_unknown) rather than inventing waste. Hour units come from
-- genai_ref_commitment_types. One job of sp_genai_2_consolidate_costs_daily.
CREATE OR REPLACE TABLE FUNCTION genai_costs_commitment(p_org_slug STRING, p_start_date DATE, p_end_date DATE) AS
WITH
capacity_daily AS (
  SELECT
    provider, commitment_type, commitment_id, usage_date, capacity_unit, hourly_unit_price_usd,
    ANY_VALUE(commitment_name) AS commitment_name, ANY_VALUE(model) AS model, ANY_VALUE(region) AS region,
    ANY_VALUE(price_source) AS price_source,
    ROUND(SUM(provisioned_units * active_fraction), 9) AS unit_hours,
    ROUND(SUM(provisioned_units * active_fraction * IFNULL(utilization, 1)), 9) AS used_unit_hours,
    LOGICAL_OR(utilization IS NULL) AS utilization_unknown
  FROM genai_commitment_capacity_all
  WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
  GROUP BY provider, commitment_type, commitment_id, usage_date, capacity_unit, hourly_unit_price_usd
),
capacity_priced AS (
  SELECT
    d.*, t.pricing_unit AS hour_unit,
    ROUND(d.hourly_unit_price_usd * d.unit_hours, 9) AS purchase_usd,
    ROUND(d.hourly_unit_price_usd * d.used_unit_hours, 9) AS used_usd
  FROM capacity_daily AS d
  LEFT JOIN genai_ref_commitment_types AS t ON t.commitment_type = d.commitment_type
),
capacity_charges AS (
  SELECT p.*, 'Purchase' AS charge_category, CAST(NULL AS STRING) AS status, p.unit_hours AS quantity,
    CAST(0 AS NUMERIC) AS effective_usd, p.purchase_usd AS billed_usd
  FROM capacity_priced AS p
  UNION ALL
  SELECT p.*, 'Usage', 'Used', p.used_unit_hours, p.used_usd, CAST(0 AS NUMERIC)
  FROM capacity_priced AS p
  UNION ALL
  SELECT p.*, 'Usage', 'Unused', p.unit_hours - p.used_unit_hours, p.purchase_usd - p.used_usd, CAST(0 AS NUMERIC)
  FROM capacity_priced AS p
)
SELECT
  -- Compact id (as genai_usage_daily.usage_id): the first 128 bits of SHA-256 of the grain, hex.
  SUBSTR(TO_HEX(SHA256(CONCAT(commitment_id, '|', CAST(usage_date AS STRING), '|', charge_category, '|',
    IFNULL(status, ''), '|', IFNULL(CAST(hourly_unit_price_usd AS STRING), '')))), 1, 32) AS cost_id,
  'commitment' AS flow,
  charge_category,
  p_org_slug AS org_slug, usage_date, provider, model, region,
  CAST(NULL AS STRING) AS service_tier, CAST(NULL AS BOOL) AS is_batch, CAST(NULL AS STRING) AS project_id,
  CAST(NULL AS STRING) AS api_key_id, commitment_name AS deployment, CAST(NULL AS STRING) AS context_window,
  'capacity' AS token_type,
  CAST(NULL AS STRING) AS usage_id,
  IF(hourly_unit_price_usd IS NULL, NULL, CONCAT(IFNULL(price_source, 'configured'), ':', commitment_id)) AS pricing_id,
  CAST(NULL AS STRING) AS price_match,
  IF(hourly_unit_price_usd IS NULL, NULL,
    IF(utilization_unknown AND status = 'Used', 'commitment_utilization_unknown', 'commitment')) AS price_rule,
  IF(hourly_unit_price_usd IS NULL, NULL, 'committed_use') AS pricing_type,
  IF(hourly_unit_price_usd IS NULL, NULL, price_source = 'llm_subscriptions') AS is_custom_price,
  IF(status = 'Used', quantity, NULL) AS consumed_quantity,
  IF(status = 'Used', hour_unit, NULL) AS consumed_unit,
  CAST(0 AS NUMERIC) AS free_quantity,
  quantity AS billable_quantity,
  hour_unit AS pricing_unit,
  quantity AS pricing_quantity,
  hourly_unit_price_usd AS list_unit_price,
  hourly_unit_price_usd AS unit_price,
  ROUND(hourly_unit_price_usd * quantity, 9) AS list_cost_usd,
  IF(hourly_unit_price_usd IS NULL, NULL, effective_usd) AS cost_usd,
  IF(hourly_unit_price_usd IS NULL, NULL, billed_usd) AS billed_cost_usd,
  'USD' AS currency,
  IF(hourly_unit_price_usd IS NULL, 'unpriced', 'priced') AS cost_status,
  IF(hourly_unit_price_usd IS NULL, CONCAT('no hourly unit price for ', commitment_type, ' ', commitment_id,
    ': set llm_subscriptions.unit_hourly_price_usd'), NULL) AS unpriced_reason,
  commitment_id, commitment_type, status AS commitment_status, CAST(NULL AS STRING) AS subscription_id,
  CAST(NULL AS STRING) AS estimate_reason
FROM capacity_charges;
