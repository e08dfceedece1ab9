-- Calibration of the recorded cost estimates: over every history-based estimate, the calls that followed
-- (genai_estimate_calibration) and the share of them that cost at most the estimate's p90 and p50.
SELECT
  COUNT(*) AS estimates,
  COUNTIF(actual_calls > 0) AS estimates_with_actuals,
  IFNULL(SUM(actual_calls), 0) AS actual_calls,
  IFNULL(SUM(unpriced_calls), 0) AS unpriced_calls,
  IFNULL(SUM(calls_at_or_below_p90), 0) AS calls_at_or_below_p90,
  ROUND(SAFE_DIVIDE(SUM(calls_at_or_below_p90), SUM(actual_calls)) * 100, 1) AS at_or_below_p90_pct,
  ROUND(SAFE_DIVIDE(SUM(calls_at_or_below_p50), SUM(actual_calls)) * 100, 1) AS at_or_below_p50_pct
FROM genai_estimate_calibration
