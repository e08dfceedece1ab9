-- Alerts raised since @p_since with how their deliveries went (sent, pending, failed per alert).
-- @p_since TIMESTAMP
SELECT
  l.created_at,
  l.alert_id,
  l.kind,
  l.budget_id,
  l.period_start,
  l.threshold_percent,
  l.basis,
  l.repeat_index,
  l.subject,
  l.spend_usd,
  l.amount_usd,
  l.forecast_usd,
  l.superseded_by,
  l.channel_count,
  JSON_VALUE(l.alert, '$.budget.budget.name') AS budget_name,
  JSON_VALUE(l.alert, '$.operational.summary') AS summary,
  COUNTIF(d.status = 'sent') AS sent,
  COUNTIF(d.status = 'pending') AS pending,
  COUNTIF(d.status = 'failed') AS failed,
  STRING_AGG(IF(d.status = 'sent', d.channel, NULL), ', ' ORDER BY d.channel) AS sent_via
FROM genai_alert_ledger AS l
LEFT JOIN genai_alert_deliveries AS d ON d.alert_id = l.alert_id
WHERE l.created_at >= @p_since
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
ORDER BY l.created_at DESC, l.alert_id
