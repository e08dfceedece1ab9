-- prices diff, step 4 of 5: with the previewed rows in place, the pay-as-you-go engine's cost of every
-- unified row of [p_start_date, p_end_date) against the cost it carries today, per provider, model and
-- month, for the rows whose cost or status would change; closed months marked.
-- @p_org_slug STRING
-- @p_preview_id STRING
INSERT INTO genai_price_previews (
  preview_id, provider, model, month, is_closed, old_cost_usd, new_cost_usd, difference_usd, rows_changed,
  unpriced_before, unpriced_after, previewed_at
)
WITH now_rows AS (
  SELECT cost_id, provider, model, usage_date, cost_usd, cost_status
  FROM genai_costs_daily_unified
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND org_slug = @p_org_slug AND flow = 'payg'
),
then_rows AS (
  SELECT cost_id, provider, model, usage_date, cost_usd, cost_status
  FROM genai_costs_payg(@p_org_slug, @p_start_date, @p_end_date)
),
paired AS (
  SELECT COALESCE(n.provider, t.provider) AS provider, COALESCE(n.model, t.model) AS model,
    DATE_TRUNC(COALESCE(n.usage_date, t.usage_date), MONTH) AS month,
    n.cost_usd AS old_cost, t.cost_usd AS new_cost, n.cost_status AS old_status, t.cost_status AS new_status
  FROM now_rows AS n
  FULL OUTER JOIN then_rows AS t ON t.cost_id = n.cost_id
)
SELECT @p_preview_id AS preview_id, p.provider, p.model, p.month, c.billing_period_start IS NOT NULL AS is_closed,
  SUM(p.old_cost) AS old_cost_usd, SUM(p.new_cost) AS new_cost_usd,
  IFNULL(SUM(p.new_cost), 0) - IFNULL(SUM(p.old_cost), 0) AS difference_usd,
  COUNT(*) AS rows_changed,
  COUNTIF(IFNULL(p.old_status, 'unpriced') = 'unpriced') AS unpriced_before,
  COUNTIF(IFNULL(p.new_status, 'unpriced') = 'unpriced') AS unpriced_after,
  CURRENT_TIMESTAMP() AS previewed_at
FROM paired AS p
LEFT JOIN (
  SELECT DISTINCT billing_period_start FROM genai_closed_periods WHERE status = 'closed'
) AS c ON c.billing_period_start = p.month
WHERE p.old_cost IS DISTINCT FROM p.new_cost OR p.old_status IS DISTINCT FROM p.new_status
GROUP BY p.provider, p.model, p.month, c.billing_period_start
