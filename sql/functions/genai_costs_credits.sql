-- Trial credit drawn down for [p_start_date, p_end_date): per own enabled trial plan with
-- trial_credit_usd (llm_subscriptions, is_custom, tier_type trial) and per day from its
-- effective_date through its trial_end_date (and end_date), a Credit row of minus the part of that
-- day's priced pay-as-you-go cost of the provider that the remaining credit still covers:
-- min(credit, cost through the day) - min(credit, cost before the day). Once the credit is used up
-- no more rows: usage is billed. Costs come from genai_costs_daily_unified, so sp_genai_2 runs this
-- after writing the window's usage rows; days before the window count as consolidated (at most 366
-- days back). Seeded rows are the providers' offer and grant nothing.
CREATE OR REPLACE TABLE FUNCTION genai_costs_credits(p_org_slug STRING, p_start_date DATE, p_end_date DATE) AS
WITH
trials AS (
  SELECT
    subscription_id, provider, plan_name, currency, trial_credit_usd,
    GREATEST(effective_date, DATE_SUB(p_start_date, INTERVAL 366 DAY)) AS first_day,
    LEAST(IFNULL(trial_end_date, DATE '9999-12-31'), IFNULL(end_date, DATE '9999-12-31')) AS last_day
  FROM llm_subscriptions
  WHERE is_enabled AND is_custom AND commitment_type IS NULL AND tier_type = 'trial' AND trial_credit_usd > 0
    AND effective_date < p_end_date
    AND LEAST(IFNULL(trial_end_date, DATE '9999-12-31'), IFNULL(end_date, DATE '9999-12-31')) >= p_start_date
),
daily_cost AS (
  SELECT t.subscription_id, c.usage_date, SUM(c.billed_cost_usd) AS cost_usd
  FROM trials AS t
  JOIN genai_costs_daily_unified AS c
    ON c.provider = t.provider AND c.usage_date >= t.first_day AND c.usage_date <= t.last_day
  WHERE c.usage_date >= DATE_SUB(p_start_date, INTERVAL 366 DAY) AND c.usage_date < p_end_date
    AND c.org_slug = p_org_slug AND c.flow = 'payg' AND c.charge_category = 'Usage' AND c.cost_status = 'priced'
  GROUP BY t.subscription_id, c.usage_date
),
drawn AS (
  SELECT
    t.subscription_id, t.provider, t.plan_name, t.currency, d.usage_date,
    LEAST(t.trial_credit_usd, d.cum_cost) - LEAST(t.trial_credit_usd, d.cum_cost - d.cost_usd) AS credit_usd
  FROM (
    SELECT
      subscription_id, usage_date, cost_usd,
      SUM(cost_usd) OVER (PARTITION BY subscription_id ORDER BY usage_date ROWS UNBOUNDED PRECEDING) AS cum_cost
    FROM daily_cost
  ) AS d
  JOIN trials AS t ON t.subscription_id = d.subscription_id
  WHERE d.usage_date >= p_start_date
)
SELECT
  SUBSTR(TO_HEX(SHA256(CONCAT(subscription_id, '|', CAST(usage_date AS STRING), '|trial_credit'))), 1, 32) AS cost_id,
  'plan' AS flow,
  'Credit' AS charge_category,
  p_org_slug AS org_slug, usage_date, provider, CAST(NULL AS STRING) AS model, CAST(NULL AS STRING) AS region,
  CAST(NULL AS STRING) AS service_tier, CAST(NULL AS BOOL) AS is_batch, CAST(NULL AS STRING) AS project_id,
  CAST(NULL AS STRING) AS api_key_id, plan_name AS deployment, CAST(NULL AS STRING) AS context_window,
  'trial_credit' AS token_type,
  CAST(NULL AS STRING) AS usage_id,
  subscription_id AS pricing_id,
  CAST(NULL AS STRING) AS price_match,
  'trial_credit' AS price_rule,
  'promotional' AS pricing_type,
  TRUE AS is_custom_price,
  CAST(NULL AS NUMERIC) AS consumed_quantity,
  CAST(NULL AS STRING) AS consumed_unit,
  CAST(NULL AS NUMERIC) AS free_quantity,
  CAST(NULL AS NUMERIC) AS billable_quantity,
  CAST(NULL AS STRING) AS pricing_unit,
  CAST(NULL AS NUMERIC) AS pricing_quantity,
  CAST(NULL AS NUMERIC) AS list_unit_price,
  CAST(NULL AS NUMERIC) AS unit_price,
  CAST(0 AS NUMERIC) AS list_cost_usd,
  -credit_usd AS cost_usd,
  -credit_usd AS billed_cost_usd,
  currency,
  'priced' AS cost_status,
  CAST(NULL AS STRING) AS unpriced_reason,
  CAST(NULL AS STRING) AS commitment_id, CAST(NULL AS STRING) AS commitment_type,
  CAST(NULL AS STRING) AS commitment_status,
  subscription_id
FROM drawn
WHERE credit_usd > 0;
