-- The bill over a window attributed by tenant, user, service and workflow (genai_cost_allocation): one row
-- per dimension value, with the unallocated remainder (the part no event explains) as its own value in
-- every dimension, so each dimension adds up to the same total.
WITH rows_in_window AS (
  SELECT allocation_kind, tenant_id, user_id, service, workflow_id, requests, allocated_cost_usd
  FROM genai_cost_allocation
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date
),
by_dimension AS (
  SELECT 'tenant' AS dimension, allocation_kind, tenant_id AS value, requests, allocated_cost_usd FROM rows_in_window
  UNION ALL
  SELECT 'user', allocation_kind, user_id, requests, allocated_cost_usd FROM rows_in_window
  UNION ALL
  SELECT 'service', allocation_kind, service, requests, allocated_cost_usd FROM rows_in_window
  UNION ALL
  SELECT 'workflow', allocation_kind, workflow_id, requests, allocated_cost_usd FROM rows_in_window
)
SELECT
  dimension,
  CASE WHEN allocation_kind = 'unallocated' THEN '(unallocated remainder)' ELSE IFNULL(value, '(not set)') END AS value,
  SUM(requests) AS requests,
  SUM(allocated_cost_usd) AS cost_usd
FROM by_dimension
GROUP BY dimension, 2
ORDER BY dimension, cost_usd DESC, value
