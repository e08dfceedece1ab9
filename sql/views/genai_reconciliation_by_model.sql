-- Computed next to provider-reported cost per provider, day and model (last 90 days), for all six
-- providers. Providers whose cost lines name no model (usage types, meters, SKUs) reconcile per
-- provider and day: their rows have model NULL and grain 'provider x day'.
-- status: matched (within 5 % or $0.05 and nothing unpriced), pending (the day is inside the cost
-- source's lag window or the provider still marks it estimated), unpriced (usage we could not price:
-- never 'matched', its gap is attributed to it), not found (one side is missing), discrepancy.
-- Every row splits its gap into explained_usd (with the cause) and unexplained_usd, in dollars.
CREATE OR REPLACE VIEW genai_reconciliation_by_model AS
WITH reported_lines AS (
  SELECT provider, usage_date, model, amount, is_estimated
  FROM genai_payg_costs_all
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY)
),
itemized AS (
  -- A provider reconciles per model only when every one of its cost lines names the model.
  SELECT provider, LOGICAL_AND(model IS NOT NULL) AS by_model
  FROM reported_lines
  GROUP BY provider
),
reported AS (
  SELECT l.provider, l.usage_date, IF(i.by_model, l.model, NULL) AS model,
    SUM(l.amount) AS reported_usd, LOGICAL_OR(l.is_estimated) AS is_estimated
  FROM reported_lines AS l
  JOIN itemized AS i ON i.provider = l.provider
  GROUP BY 1, 2, 3
),
computed AS (
  SELECT u.provider, u.usage_date, IF(IFNULL(i.by_model, TRUE), u.model, NULL) AS model,
    SUM(IF(u.cost_status = 'priced', u.billed_cost_usd, 0)) AS computed_usd,
    -- provider_reported (main, issue 11): the catalog could not price it; it carries the provider's dollars.
    SUM(IF(u.cost_status IN ('unpriced', 'provider_reported') AND u.consumed_unit = 'Tokens', u.consumed_quantity, 0))
      AS unpriced_tokens,
    COUNTIF(u.cost_status IN ('unpriced', 'provider_reported')) AS unpriced_rows
  FROM genai_costs_daily_unified AS u
  LEFT JOIN itemized AS i ON i.provider = u.provider
  -- All flows: providers bill commitment purchases (PTU, provisioned throughput, GSU) in the same cost lines.
  WHERE u.usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY)
  GROUP BY 1, 2, 3
),
joined AS (
  SELECT
    COALESCE(c.provider, r.provider) AS provider,
    COALESCE(c.usage_date, r.usage_date) AS usage_date,
    COALESCE(c.model, r.model) AS model,
    c.computed_usd,
    r.reported_usd,
    IFNULL(c.computed_usd, 0) - IFNULL(r.reported_usd, 0) AS difference_usd,
    IFNULL(c.unpriced_tokens, 0) AS unpriced_tokens,
    IFNULL(c.unpriced_rows, 0) AS unpriced_rows,
    IFNULL(r.is_estimated, FALSE) AS provider_estimated
  FROM computed AS c
  FULL OUTER JOIN reported AS r
    ON r.provider = c.provider AND r.usage_date = c.usage_date AND IFNULL(r.model, '') = IFNULL(c.model, '')
),
classified AS (
  SELECT *,
    CASE
      WHEN unpriced_rows > 0 THEN 'unpriced'
      WHEN ABS(difference_usd) <= 0.05
        OR ABS(difference_usd) <= 0.05 * ABS(IFNULL(reported_usd, 0)) THEN 'matched'
      -- Cost sources trail usage by up to two days (provider-apis.md: re-pull the last 2-3 days).
      WHEN provider_estimated OR usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 2 DAY) THEN 'pending'
      WHEN reported_usd IS NULL OR computed_usd IS NULL THEN 'not found'
      ELSE 'discrepancy'
    END AS status
  FROM joined
)
SELECT
  provider,
  usage_date,
  model,
  IF(model IS NULL, 'provider x day', 'provider x day x model') AS grain,
  computed_usd,
  reported_usd,
  difference_usd,
  ROUND(SAFE_DIVIDE(difference_usd, reported_usd) * 100, 2) AS difference_pct,
  unpriced_tokens,
  status,
  CASE status
    WHEN 'matched' THEN 'within 5 % or $0.05'
    WHEN 'unpriced' THEN IF(difference_usd < 0, 'unpriced usage: the provider billed tokens we could not price',
      'unpriced usage, and we compute more than the provider billed')
    WHEN 'pending' THEN IF(provider_estimated, 'late data: the provider still marks the day estimated',
      'late data: the day is inside the cost source lag window')
    WHEN 'not found' THEN IF(reported_usd IS NULL, 'no provider cost line for this usage',
      'provider cost without ingested usage')
    ELSE 'unexplained price, tier or cache difference'
  END AS explanation,
  -- Dollars of the gap a known cause accounts for: unpriced usage explains a provider bill above ours,
  -- late data explains any gap; the rest stays unexplained and is shown as such.
  CASE
    WHEN status = 'matched' THEN difference_usd
    WHEN status = 'unpriced' AND difference_usd < 0 THEN difference_usd
    WHEN status = 'pending' THEN difference_usd
    ELSE 0
  END AS explained_usd,
  CASE
    WHEN status = 'matched' THEN 0
    WHEN status = 'unpriced' AND difference_usd < 0 THEN 0
    WHEN status = 'pending' THEN 0
    ELSE difference_usd
  END AS unexplained_usd
FROM classified
