-- Alerts raised since the window's start (budget thresholds and operational alerts), with how their
-- delivery went per channel.
SELECT
  l.created_at,
  l.kind,
  COALESCE(JSON_VALUE(l.alert, '$.budget.budget.name'), l.subject) AS about,
  l.threshold_percent,
  l.basis,
  l.repeat_index,
  l.spend_usd,
  l.amount_usd,
  l.forecast_usd,
  l.superseded_by IS NOT NULL AS superseded,
  l.channel_count,
  COUNTIF(d.status = 'sent') AS sent,
  COUNTIF(d.status = 'pending') AS pending,
  COUNTIF(d.status = 'failed') AS failed,
  STRING_AGG(IF(d.status = 'sent', d.channel, NULL), ', ' ORDER BY d.channel) AS sent_via
FROM genai_alert_ledger AS l
LEFT JOIN genai_alert_deliveries AS d ON d.alert_id = l.alert_id
WHERE l.created_at >= TIMESTAMP(@p_start_date)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
ORDER BY l.created_at, about, l.threshold_percent
