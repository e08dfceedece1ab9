-- Every subscription row (plans, trials, commitments) for the plans API.
-- @p_provider STRING: one provider's rows, or NULL for all.
SELECT *
FROM llm_subscriptions
WHERE @p_provider IS NULL OR provider = @p_provider
ORDER BY provider, plan_name, is_custom, effective_date, subscription_id
