-- Creates the delivery rows of alerts (one per alert and channel) whose delivery_key is absent; guarded
-- like the ledger, so concurrent evaluations never create a delivery twice.
MERGE genai_alert_deliveries AS t
USING _staging_genai_alert_deliveries AS s
ON t.delivery_key = s.delivery_key
WHEN NOT MATCHED THEN
  INSERT (
    delivery_key, alert_id, org_slug, channel, channel_key, webhook_id, status, attempts, created_at,
    give_up_at, next_attempt_at, last_attempt_at, sent_at, last_error, provider_message_id,
    endpoint_disabled, claim_id, claimed_until, updated_at
  )
  VALUES (
    s.delivery_key, s.alert_id, s.org_slug, s.channel, s.channel_key, s.webhook_id, s.status,
    s.attempts, s.created_at, s.give_up_at, s.next_attempt_at, s.last_attempt_at, s.sent_at,
    s.last_error, s.provider_message_id, s.endpoint_disabled, s.claim_id, s.claimed_until, s.updated_at
  )
