-- Computed next to provider-reported cost per provider, day and model (last 90 days), with the
-- reason for each gap: unpriced usage, no provider line for the model, or a real price/tier
-- difference to investigate. Providers whose cost lines name no model (usage types, SKUs: Gemini,
-- Azure, Bedrock, Vertex) reconcile per provider and day in genai_reconciliation_daily instead.
CREATE OR REPLACE VIEW genai_reconciliation_by_model AS
WITH reported AS (
  SELECT provider, usage_date, model, SUM(amount) AS reported_usd, LOGICAL_OR(is_estimated) AS is_estimated
  FROM genai_payg_costs_all
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY) AND model IS NOT NULL
  GROUP BY provider, usage_date, model
),
computed AS (
  SELECT provider, usage_date, model,
    SUM(IF(cost_status = 'priced', billed_cost_usd, 0)) AS computed_usd,
    COUNTIF(cost_status = 'unpriced') AS unpriced_rows
  FROM genai_costs_daily_unified
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY) AND flow = 'payg'
  GROUP BY provider, usage_date, model
)
SELECT
  COALESCE(c.provider, r.provider) AS provider,
  COALESCE(c.usage_date, r.usage_date) AS usage_date,
  COALESCE(c.model, r.model) AS model,
  c.computed_usd,
  r.reported_usd,
  IFNULL(c.computed_usd, 0) - IFNULL(r.reported_usd, 0) AS difference_usd,
  CASE
    WHEN ABS(IFNULL(c.computed_usd, 0) - IFNULL(r.reported_usd, 0)) <= 0.01 THEN 'matched'
    WHEN IFNULL(c.unpriced_rows, 0) > 0 THEN 'unpriced usage'
    WHEN r.reported_usd IS NULL THEN 'no provider cost line for this model'
    WHEN c.computed_usd IS NULL THEN 'provider cost without ingested usage'
    WHEN IFNULL(r.is_estimated, FALSE) THEN 'provider figure still estimated'
    ELSE 'price or tier difference'
  END AS explanation
FROM computed AS c
FULL OUTER JOIN reported AS r ON r.provider = c.provider AND r.usage_date = c.usage_date AND r.model = c.model
