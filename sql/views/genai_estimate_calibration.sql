-- How well the recorded cost estimates (genai_cost_estimates) held: per estimate with a history basis, the
-- calls that actually followed it, i.e. the usage events of the same task (feature, service or workflow id)
-- and the same provider and recommended model that occurred in [actuals_from, actuals_until), valued like
-- the history was (genai_usage_event_costs), and how many of them cost at most the estimate's p50 and p90.
-- A calibrated p90 has about 90 % of the calls at or below it. Unpriced calls are counted apart, never
-- compared. `state` is open while the horizon has not ended (more calls may still come).
CREATE OR REPLACE VIEW genai_estimate_calibration AS
WITH actuals AS (
  SELECT
    x.estimate_id,
    COUNTIF(e.cost_status = 'priced') AS actual_calls,
    COUNTIF(e.cost_status = 'unpriced') AS unpriced_calls,
    COUNTIF(e.cost_status = 'priced' AND e.estimated_cost_usd <= x.p50_cost_usd) AS calls_at_or_below_p50,
    COUNTIF(e.cost_status = 'priced' AND e.estimated_cost_usd <= x.p90_cost_usd) AS calls_at_or_below_p90,
    SUM(IF(e.cost_status = 'priced', e.estimated_cost_usd, NULL)) AS actual_cost_usd
  FROM genai_cost_estimates AS x
  JOIN (
    -- The partition filter BigQuery requires: actuals of the last 100 days (estimates older than ~3 months
    -- keep the calls they had only while those are in range).
    SELECT provider, model, feature, service, workflow_id, occurred_at, cost_status, estimated_cost_usd
    FROM genai_usage_event_costs
    WHERE event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 100 DAY)
  ) AS e
    ON e.provider = x.recommended_provider AND e.model = x.recommended_model
    AND (e.feature = x.task OR e.service = x.task OR e.workflow_id = x.task)
    AND e.occurred_at >= x.actuals_from AND e.occurred_at < x.actuals_until
  WHERE x.basis = 'history'
  GROUP BY x.estimate_id
)
SELECT
  x.estimate_id, x.estimated_at, x.task, x.complexity, x.recommended_provider AS provider, x.recommended_model AS model,
  x.p50_cost_usd, x.p90_cost_usd, x.actuals_from, x.actuals_until,
  IF(x.actuals_until <= CURRENT_TIMESTAMP(), 'complete', 'open') AS state,
  IFNULL(a.actual_calls, 0) AS actual_calls,
  IFNULL(a.unpriced_calls, 0) AS unpriced_calls,
  IFNULL(a.calls_at_or_below_p50, 0) AS calls_at_or_below_p50,
  IFNULL(a.calls_at_or_below_p90, 0) AS calls_at_or_below_p90,
  ROUND(SAFE_DIVIDE(a.calls_at_or_below_p90, a.actual_calls) * 100, 1) AS at_or_below_p90_pct,
  ROUND(CAST(SAFE_DIVIDE(a.actual_cost_usd, a.actual_calls) AS NUMERIC), 9) AS actual_mean_cost_usd
FROM genai_cost_estimates AS x
LEFT JOIN actuals AS a ON a.estimate_id = x.estimate_id
WHERE x.basis = 'history'
