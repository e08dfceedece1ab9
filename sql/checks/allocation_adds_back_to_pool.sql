-- Attribution never creates or loses money: per pool (usage day x provider x model x api key x project),
-- the allocated shares plus the unallocated remainder add back EXACTLY to the pay-as-you-go cost computed
-- from the provider's usage, and no share is negative.
WITH pools AS (
  SELECT usage_date, provider, model, api_key_id, project_id, SUM(cost_usd) AS pool_cost_usd
  FROM genai_costs_daily_unified
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND flow = 'payg' AND cost_status = 'priced'
  GROUP BY usage_date, provider, model, api_key_id, project_id
),
allocations AS (
  SELECT usage_date, provider, model, api_key_id, project_id, SUM(allocated_cost_usd) AS allocated_usd,
    COUNTIF(allocated_cost_usd < 0) AS negative_shares
  FROM genai_cost_allocation
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND allocation_kind != 'estimate_only'
  GROUP BY usage_date, provider, model, api_key_id, project_id
)
SELECT
  CONCAT(CAST(IFNULL(p.usage_date, a.usage_date) AS STRING), ' ', IFNULL(p.provider, a.provider), ' ',
    IFNULL(IFNULL(p.model, a.model), '(none)'), ' ', IFNULL(IFNULL(p.api_key_id, a.api_key_id), '(no key)'), ' ',
    IFNULL(IFNULL(p.project_id, a.project_id), '(no project)')) AS row_id,
  CONCAT('pool ', IFNULL(CAST(p.pool_cost_usd AS STRING), 'missing'), ' allocated ',
    IFNULL(CAST(a.allocated_usd AS STRING), 'nothing'), ', negative shares ',
    CAST(IFNULL(a.negative_shares, 0) AS STRING)) AS violation
FROM pools AS p
FULL OUTER JOIN allocations AS a
  ON a.usage_date = p.usage_date AND a.provider = p.provider AND IFNULL(a.model, '') = IFNULL(p.model, '')
  AND IFNULL(a.api_key_id, '') = IFNULL(p.api_key_id, '') AND IFNULL(a.project_id, '') = IFNULL(p.project_id, '')
WHERE p.pool_cost_usd IS NULL OR a.allocated_usd IS NULL OR a.allocated_usd != p.pool_cost_usd
  OR a.negative_shares > 0
