-- Month-to-date spend per provider next to the same days of the previous month.
CREATE OR REPLACE VIEW genai_month_to_date AS
WITH bounds AS (
  SELECT
    DATE_TRUNC(CURRENT_DATE(), MONTH) AS month_start,
    DATE_SUB(DATE_TRUNC(CURRENT_DATE(), MONTH), INTERVAL 1 MONTH) AS prev_month_start,
    DATE_DIFF(CURRENT_DATE(), DATE_TRUNC(CURRENT_DATE(), MONTH), DAY) AS days_elapsed
),
costs AS (
  SELECT c.provider, c.usage_date, c.cost_usd
  FROM genai_costs_daily_unified AS c
  WHERE c.usage_date >= DATE_SUB(DATE_TRUNC(CURRENT_DATE(), MONTH), INTERVAL 1 MONTH)
    AND c.cost_status = 'priced'
)
SELECT
  c.provider,
  SUM(IF(c.usage_date >= b.month_start, c.cost_usd, 0)) AS month_to_date_usd,
  SUM(IF(c.usage_date < b.month_start
    AND c.usage_date < DATE_ADD(b.prev_month_start, INTERVAL b.days_elapsed DAY), c.cost_usd, 0)) AS previous_month_same_days_usd,
  SUM(IF(c.usage_date < b.month_start, c.cost_usd, 0)) AS previous_month_total_usd
FROM costs AS c
CROSS JOIN bounds AS b
GROUP BY c.provider
