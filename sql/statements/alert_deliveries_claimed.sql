-- The deliveries a sender holds, with the alert snapshot and channel targets to send them with.
-- @p_claim_id STRING
SELECT d.*, l.alert, l.channels
FROM genai_alert_deliveries AS d
JOIN genai_alert_ledger AS l ON l.alert_id = d.alert_id
WHERE d.claim_id = @p_claim_id
ORDER BY d.created_at, d.delivery_key
