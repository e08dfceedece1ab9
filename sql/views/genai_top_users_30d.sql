-- The users (learners) with the most attributed cost over the last 30 days: their share of the bill as
-- genai_cost_allocation splits it by the usage events' estimates, with their requests and tenants. The
-- unallocated remainder is no user and is left out; share_pct is of the whole bill, remainder included.
CREATE OR REPLACE VIEW genai_top_users_30d AS
WITH last_30_days AS (
  SELECT allocation_kind, tenant_id, user_id, requests, allocated_cost_usd
  FROM genai_cost_allocation
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY)
),
bill AS (
  SELECT SUM(allocated_cost_usd) AS cost_usd FROM last_30_days
),
by_user AS (
  SELECT user_id, COUNT(DISTINCT tenant_id) AS tenants, SUM(requests) AS requests,
    SUM(allocated_cost_usd) AS cost_usd
  FROM last_30_days
  WHERE allocation_kind != 'unallocated'
  GROUP BY user_id
)
SELECT
  RANK() OVER (ORDER BY u.cost_usd DESC) AS cost_rank,
  u.user_id,
  u.tenants,
  u.requests,
  u.cost_usd,
  ROUND(SAFE_DIVIDE(u.cost_usd, b.cost_usd) * 100, 2) AS share_pct
FROM by_user AS u
CROSS JOIN bill AS b
