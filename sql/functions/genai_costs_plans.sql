-- Plan fees for [p_start_date, p_end_date): per own enabled plan row (llm_subscriptions, is_custom,
-- no commitment_type: capacity commitments are genai_costs_commitment's) with a fee, and per day it is
-- valid, a Recurring Purchase of unit_price_usd x quantity (a monthly price) prorated to the day.
-- Day d of an n-day month carries round(fee x d / n) - round(fee x (d - 1) / n) (9 decimals): each
-- day is within 1e-9 of fee / n and a whole month adds up to the fee exactly. Seeded rows are the
-- providers' offer, not the organization's plan, and never bill. One job of
-- sp_genai_2_consolidate_costs_daily.
CREATE OR REPLACE TABLE FUNCTION genai_costs_plans(p_org_slug STRING, p_start_date DATE, p_end_date DATE) AS
WITH
plan_days AS (
  SELECT
    s.subscription_id, s.provider, s.plan_name, s.model_id, s.region, s.currency, d AS usage_date,
    CAST(s.unit_price_usd * s.quantity AS NUMERIC) AS monthly_fee,
    EXTRACT(DAY FROM d) AS day_of_month,
    EXTRACT(DAY FROM LAST_DAY(d, MONTH)) AS days_in_month
  FROM llm_subscriptions AS s
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(p_start_date, DATE_SUB(p_end_date, INTERVAL 1 DAY))) AS d
  WHERE s.is_enabled AND s.is_custom AND s.commitment_type IS NULL AND s.unit_price_usd > 0
    AND s.effective_date <= d AND (s.end_date IS NULL OR d <= s.end_date)
),
plan_fees AS (
  SELECT
    p.*,
    CAST(ROUND(p.monthly_fee * p.day_of_month / p.days_in_month, 9)
      - ROUND(p.monthly_fee * (p.day_of_month - 1) / p.days_in_month, 9) AS NUMERIC) AS fee
  FROM plan_days AS p
)
SELECT
  SUBSTR(TO_HEX(SHA256(CONCAT(subscription_id, '|', CAST(usage_date AS STRING), '|plan_fee'))), 1, 32) AS cost_id,
  'plan' AS flow,
  'Purchase' AS charge_category,
  p_org_slug AS org_slug, usage_date, provider, model_id AS model, region,
  CAST(NULL AS STRING) AS service_tier, CAST(NULL AS BOOL) AS is_batch, CAST(NULL AS STRING) AS project_id,
  CAST(NULL AS STRING) AS api_key_id, plan_name AS deployment, CAST(NULL AS STRING) AS context_window,
  'plan_fee' AS token_type,
  CAST(NULL AS STRING) AS usage_id,
  subscription_id AS pricing_id,
  CAST(NULL AS STRING) AS price_match,
  'plan_fee' AS price_rule,
  'standard' AS pricing_type,
  TRUE AS is_custom_price,
  -- A purchase consumes nothing (FOCUS: ConsumedQuantity is null unless ChargeCategory is Usage).
  CAST(NULL AS NUMERIC) AS consumed_quantity,
  CAST(NULL AS STRING) AS consumed_unit,
  CAST(0 AS NUMERIC) AS free_quantity,
  CAST(1 AS NUMERIC) AS billable_quantity,
  'Days' AS pricing_unit,
  CAST(1 AS NUMERIC) AS pricing_quantity,
  fee AS list_unit_price,
  fee AS unit_price,
  fee AS list_cost_usd,
  fee AS cost_usd,
  fee AS billed_cost_usd,
  currency,
  'priced' AS cost_status,
  CAST(NULL AS STRING) AS unpriced_reason,
  CAST(NULL AS STRING) AS commitment_id, CAST(NULL AS STRING) AS commitment_type,
  CAST(NULL AS STRING) AS commitment_status,
  subscription_id,
  CAST(NULL AS STRING) AS estimate_reason
FROM plan_fees;
