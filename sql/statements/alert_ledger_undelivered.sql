-- Alerts raised since @p_since that should be delivered (not superseded, with channels) and have no
-- delivery rows yet: normally those just inserted; after a crash between the ledger insert and the
-- delivery insert, the ones left behind.
-- @p_since TIMESTAMP
SELECT l.alert_id, l.org_slug, l.channels
FROM genai_alert_ledger AS l
WHERE l.created_at >= @p_since AND l.superseded_by IS NULL AND l.channel_count > 0
  AND NOT EXISTS (SELECT 1 FROM genai_alert_deliveries AS d WHERE d.alert_id = l.alert_id)
ORDER BY l.created_at, l.alert_id
