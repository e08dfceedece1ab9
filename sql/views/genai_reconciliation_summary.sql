-- The seed's reconciliation summary per provider and grain over genai_reconciliation_by_grain: how many
-- compared units (requests, buckets or cost days) ended in each status and their share, estimated and
-- actual dollars, the difference and its percentage. match_rate: matched among the units already
-- decided (pending excluded); capture_rate: how much of the provider's dollars the events account for.
CREATE OR REPLACE VIEW genai_reconciliation_summary AS
SELECT
  provider,
  grain,
  COUNT(*) AS compared,
  COUNTIF(status = 'matched') AS matched,
  COUNTIF(status = 'discrepancy') AS discrepancy,
  COUNTIF(status = 'not found') AS not_found,
  COUNTIF(status = 'pending') AS pending,
  ROUND(SAFE_DIVIDE(COUNTIF(status = 'matched'), COUNT(*)) * 100, 1) AS matched_pct,
  ROUND(SAFE_DIVIDE(COUNTIF(status = 'discrepancy'), COUNT(*)) * 100, 1) AS discrepancy_pct,
  ROUND(SAFE_DIVIDE(COUNTIF(status = 'not found'), COUNT(*)) * 100, 1) AS not_found_pct,
  ROUND(SAFE_DIVIDE(COUNTIF(status = 'pending'), COUNT(*)) * 100, 1) AS pending_pct,
  ROUND(SAFE_DIVIDE(COUNTIF(status = 'matched'), COUNTIF(status IN ('matched', 'discrepancy'))) * 100, 1)
    AS match_rate_pct,
  ROUND(SAFE_DIVIDE(SUM(IF(status != 'pending', LEAST(estimated_tokens, actual_tokens), 0)),
    SUM(IF(status != 'pending', actual_tokens, 0))) * 100, 1) AS capture_tokens_pct,
  SUM(estimated_usd) AS estimated_usd,
  SUM(actual_usd) AS actual_usd,
  SUM(actual_usd) - SUM(estimated_usd) AS difference_usd,
  ROUND(SAFE_DIVIDE(SUM(actual_usd) - SUM(estimated_usd), SUM(estimated_usd)) * 100, 2) AS difference_pct,
  ROUND(SAFE_DIVIDE(SUM(IF(status != 'pending', LEAST(estimated_usd, actual_usd), 0)),
    SUM(IF(status != 'pending', actual_usd, 0))) * 100, 1) AS capture_rate_pct
FROM genai_reconciliation_by_grain
GROUP BY provider, grain
