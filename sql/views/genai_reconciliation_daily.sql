-- Our computed cost next to what each provider reports (cost endpoints, Cost Explorer, Cost
-- Management, billing export), per provider and day, last 90 days. A gap is explained by
-- unpriced usage, provider-side discounts or tiers, or late data (is_estimated).
CREATE OR REPLACE VIEW genai_reconciliation_daily AS
WITH reported AS (
  SELECT provider, usage_date, amount, is_estimated FROM genai_payg_costs_all
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY)
),
reported_daily AS (
  SELECT provider, usage_date, SUM(amount) AS reported_usd, LOGICAL_OR(is_estimated) AS is_estimated
  FROM reported
  GROUP BY provider, usage_date
),
computed_daily AS (
  -- What the provider should bill: tokens, commitment purchases (hourly PTU, model units, GSU)
  -- and GPU hours; usage covered by a commitment bills 0.
  SELECT provider, usage_date,
    SUM(IF(cost_status = 'priced', billed_cost_usd, 0)) AS computed_usd,
    SUM(IF(cost_status = 'unpriced' AND consumed_unit = 'Tokens', consumed_quantity, 0)) AS unpriced_tokens
  FROM genai_costs_daily_unified
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY)
  GROUP BY provider, usage_date
)
SELECT
  COALESCE(c.provider, r.provider) AS provider,
  COALESCE(c.usage_date, r.usage_date) AS usage_date,
  c.computed_usd,
  r.reported_usd,
  c.computed_usd - r.reported_usd AS difference_usd,
  ROUND(SAFE_DIVIDE(c.computed_usd - r.reported_usd, r.reported_usd) * 100, 2) AS difference_pct,
  IFNULL(c.unpriced_tokens, 0) AS unpriced_tokens,
  IFNULL(r.is_estimated, FALSE) AS provider_estimated
FROM computed_daily AS c
FULL OUTER JOIN reported_daily AS r ON r.provider = c.provider AND r.usage_date = c.usage_date
