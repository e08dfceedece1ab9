-- The budget status endpoint: the latest status row of one budget (never a recomputation), with the
-- budget's current version, so a gateway learns within / warning / exceeded, or that the budget is
-- paused or not evaluated yet.
-- @p_budget_id STRING  @p_since DATE  (status rows older than this are not looked at)
WITH latest AS (
  SELECT
    budget_id, budget_version, evaluated_at, period_start, period_end, amount_usd, spend_usd,
    utilization_percent, forecast_usd, forecast_utilization_percent, status, spend_source, estimated_days
  FROM genai_budget_status
  WHERE evaluation_date >= @p_since AND budget_id = @p_budget_id
  QUALIFY ROW_NUMBER() OVER (ORDER BY evaluated_at DESC) = 1
)
SELECT
  b.budget_id,
  b.version,
  b.enabled,
  s.budget_version AS evaluated_version,
  s.evaluated_at,
  s.period_start,
  s.period_end,
  s.amount_usd,
  s.spend_usd,
  s.utilization_percent,
  s.forecast_usd,
  s.forecast_utilization_percent,
  s.status,
  s.spend_source,
  s.estimated_days
FROM genai_budgets_current AS b
LEFT JOIN latest AS s ON s.budget_id = b.budget_id
WHERE b.budget_id = @p_budget_id
