-- Each budget at its latest evaluation since the window's start: spend to date, the forecast to the
-- period's end with its band, and the amount.
SELECT
  budget_name, budget_id, period_kind, time_zone, period_start, period_end, amount_usd, spend_usd,
  billed_usd, estimated_usd, utilization_percent, forecast_usd, forecast_low_usd, forecast_high_usd,
  forecast_utilization_percent, status, spend_source, estimated_days, evaluated_at
FROM genai_budget_status
WHERE evaluation_date >= @p_start_date
QUALIFY ROW_NUMBER() OVER (PARTITION BY budget_id ORDER BY evaluated_at DESC) = 1
ORDER BY budget_name, budget_id
