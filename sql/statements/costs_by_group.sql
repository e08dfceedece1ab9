-- The cost report (GET /costs, `genai-costs costs`): the organization's priced usage events
-- (genai_usage_event_costs, priced by the bill's own engine) of event days [@p_start_date, @p_end_date) that
-- pass every filter (a NULL filter means any value), summed per value of one dimension, @p_group_by:
-- tenant_id, user_id, service, workflow_id, provider, model or day (the event day as YYYY-MM-DD; the
-- report's days are this statement grouped by day). Events without the attribute form the NULL group.
-- Largest cost first. Unpriced events are counted apart with their tokens and never add $0 to the cost;
-- committed events (served by provisioned capacity) cost $0 per call here because the commitment
-- carries the money.
-- @p_group_by STRING
-- @p_workflow_id STRING
-- @p_tenant_id STRING
-- @p_user_id STRING
-- @p_service STRING
-- @p_provider STRING
-- @p_model STRING
SELECT
  CASE @p_group_by
    WHEN 'tenant_id' THEN tenant_id
    WHEN 'user_id' THEN user_id
    WHEN 'service' THEN service
    WHEN 'workflow_id' THEN workflow_id
    WHEN 'provider' THEN provider
    WHEN 'model' THEN model
    WHEN 'day' THEN FORMAT_DATE('%Y-%m-%d', event_date)
  END AS group_value,
  COUNT(*) AS requests,
  COUNTIF(cost_status = 'priced') AS priced_requests,
  COUNTIF(cost_status = 'committed') AS committed_requests,
  COUNTIF(cost_status = 'unpriced') AS unpriced_requests,
  SUM(IF(cost_status = 'unpriced', input_tokens + output_tokens, 0)) AS unpriced_tokens,
  SUM(input_tokens) AS input_tokens,
  SUM(output_tokens) AS output_tokens,
  -- NULL when every call is unpriced: an unknown cost is never shown as $0.
  SUM(IF(cost_status = 'unpriced', NULL, estimated_cost_usd)) AS cost_usd
FROM genai_usage_event_costs
WHERE event_date >= @p_start_date AND event_date < @p_end_date
  AND (@p_workflow_id IS NULL OR workflow_id = @p_workflow_id)
  AND (@p_tenant_id IS NULL OR tenant_id = @p_tenant_id)
  AND (@p_user_id IS NULL OR user_id = @p_user_id)
  AND (@p_service IS NULL OR service = @p_service)
  AND (@p_provider IS NULL OR provider = @p_provider)
  AND (@p_model IS NULL OR model = @p_model)
GROUP BY 1
ORDER BY cost_usd DESC, requests DESC, group_value
