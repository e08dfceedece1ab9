-- One stored version of a budget: a writer reads its write_id to learn whether its write won.
-- @p_budget_id STRING  @p_version INT64
SELECT budget_id, version, write_id
FROM genai_budgets
WHERE budget_id = @p_budget_id AND version = @p_version
