-- Cost estimate from the organization's own history: per model, the p50 and p90 of input tokens, output
-- tokens and cost (genai_usage_event_costs: priced by the bill's engine, each traceable to its price row) of the
-- priced events of one task (a feature, service or workflow) over a window, the
-- sample count and the success rate (the quality signal a recommendation must meet). Exact percentiles
-- (PERCENTILE_CONT, linear interpolation), so a test can compute them by hand.
-- @p_task STRING
WITH history AS (
  SELECT provider, model, CAST(input_tokens AS FLOAT64) AS input_tokens, CAST(output_tokens AS FLOAT64) AS output_tokens,
    estimated_cost_usd, status
  FROM genai_usage_event_costs
  WHERE event_date >= @p_start_date AND event_date < @p_end_date
    AND cost_status = 'priced'
    AND (feature = @p_task OR service = @p_task OR workflow_id = @p_task)
),
quantiles AS (
  SELECT DISTINCT
    provider,
    model,
    PERCENTILE_CONT(input_tokens, 0.5) OVER (PARTITION BY provider, model) AS p50_input_tokens,
    PERCENTILE_CONT(input_tokens, 0.9) OVER (PARTITION BY provider, model) AS p90_input_tokens,
    PERCENTILE_CONT(output_tokens, 0.5) OVER (PARTITION BY provider, model) AS p50_output_tokens,
    PERCENTILE_CONT(output_tokens, 0.9) OVER (PARTITION BY provider, model) AS p90_output_tokens,
    PERCENTILE_CONT(estimated_cost_usd, 0.5) OVER (PARTITION BY provider, model) AS p50_cost_usd,
    PERCENTILE_CONT(estimated_cost_usd, 0.9) OVER (PARTITION BY provider, model) AS p90_cost_usd
  FROM history
),
counts AS (
  SELECT provider, model, COUNT(*) AS samples, COUNTIF(status = 'succeeded') AS succeeded
  FROM history
  GROUP BY provider, model
)
SELECT q.provider, q.model, c.samples, ROUND(SAFE_DIVIDE(c.succeeded, c.samples), 4) AS success_rate,
  ROUND(q.p50_input_tokens, 1) AS p50_input_tokens, ROUND(q.p90_input_tokens, 1) AS p90_input_tokens,
  ROUND(q.p50_output_tokens, 1) AS p50_output_tokens, ROUND(q.p90_output_tokens, 1) AS p90_output_tokens,
  ROUND(q.p50_cost_usd, 9) AS p50_cost_usd, ROUND(q.p90_cost_usd, 9) AS p90_cost_usd
FROM quantiles AS q
JOIN counts AS c ON c.provider = q.provider AND c.model = q.model
ORDER BY q.p50_cost_usd, q.provider, q.model
