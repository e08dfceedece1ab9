-- Capture rate per provider and day: the per-request events' estimated cost (genai_usage_event_costs, priced
-- by the bill's own engine) over the cost computed from what the provider reported
-- (genai_costs_daily_unified, pay-as-you-go). Below 1: calls never recorded, or keys the applications do not
-- instrument; NULL where the provider reports nothing (its usage comes only from events).
WITH estimated AS (
  SELECT event_date AS usage_date, provider, COUNT(*) AS events, SUM(estimated_cost_usd) AS estimated_cost_usd,
    COUNTIF(cost_status = 'unpriced') AS unpriced_events
  FROM genai_usage_event_costs
  WHERE event_date >= @p_start_date AND event_date < @p_end_date
  GROUP BY event_date, provider
),
reported AS (
  SELECT usage_date, provider, SUM(cost_usd) AS reported_cost_usd
  FROM genai_costs_daily_unified
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND flow = 'payg' AND cost_status = 'priced'
  GROUP BY usage_date, provider
)
SELECT
  IFNULL(e.usage_date, r.usage_date) AS usage_date,
  IFNULL(e.provider, r.provider) AS provider,
  IFNULL(e.events, 0) AS events,
  IFNULL(e.unpriced_events, 0) AS unpriced_events,
  e.estimated_cost_usd,
  r.reported_cost_usd,
  CAST(ROUND(SAFE_DIVIDE(e.estimated_cost_usd, r.reported_cost_usd), 4) AS NUMERIC) AS capture_rate
FROM estimated AS e
FULL OUTER JOIN reported AS r ON r.usage_date = e.usage_date AND r.provider = e.provider
ORDER BY usage_date, provider
