-- Models whose usage could not be priced in [@p_start_date, @p_end_date): unified cost rows marked
-- unpriced and usage events without an estimated cost, per provider and model.
SELECT provider, model, source, MIN(day) AS first_seen, MAX(day) AS last_seen, SUM(n) AS records
FROM (
  SELECT provider, IFNULL(model, '(none)') AS model, 'billed' AS source, usage_date AS day, 1 AS n
  FROM genai_costs_daily_unified
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND cost_status = 'unpriced'
  UNION ALL
  SELECT provider, IFNULL(model, '(none)') AS model, 'events' AS source, event_date AS day, 1 AS n
  FROM genai_budget_event_costs
  WHERE event_date >= @p_start_date AND event_date < @p_end_date AND estimated_cost_usd IS NULL
) AS u
GROUP BY provider, model, source
ORDER BY provider, model, source
