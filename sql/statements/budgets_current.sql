-- Current budgets (enabled and paused; deleted ones are gone), all of them or the one asked for.
-- @p_budget_id STRING  (NULL: every budget)
SELECT *
FROM genai_budgets_current
WHERE @p_budget_id IS NULL OR budget_id = @p_budget_id
ORDER BY budget_id
