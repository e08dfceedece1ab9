-- Cost per tenant, user, service and workflow per day over the last 90 days: the bill split by the usage
-- events' estimates (genai_cost_allocation, sp_genai_4b), per provider and model. The unallocated remainder
-- (the part of the bill no event explains) is its own row with allocation_kind 'unallocated' and NULL
-- attribution; estimate_only rows are providers whose usage comes only from events. Summed over any of
-- the four attributes, a day's rows add back to the bill of that day.
CREATE OR REPLACE VIEW genai_cost_attribution_daily AS
SELECT
  usage_date,
  provider,
  model,
  allocation_kind,
  tenant_id,
  user_id,
  service,
  workflow_id,
  SUM(requests) AS requests,
  SUM(estimated_cost_usd) AS estimated_cost_usd,
  SUM(allocated_cost_usd) AS allocated_cost_usd
FROM genai_cost_allocation
WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY)
GROUP BY usage_date, provider, model, allocation_kind, tenant_id, user_id, service, workflow_id
