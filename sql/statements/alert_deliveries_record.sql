-- Records the outcome of each attempt, only while the sender still holds the row's claim and the row
-- is at the attempt count the sender started from; releases the claim.
MERGE genai_alert_deliveries AS t
USING _staging_genai_alert_deliveries AS s
ON t.delivery_key = s.delivery_key AND t.claim_id = s.claim_id AND t.attempts = s.attempts - 1
WHEN MATCHED THEN UPDATE SET
  status = s.status,
  attempts = s.attempts,
  next_attempt_at = s.next_attempt_at,
  last_attempt_at = s.last_attempt_at,
  sent_at = s.sent_at,
  last_error = s.last_error,
  provider_message_id = s.provider_message_id,
  endpoint_disabled = s.endpoint_disabled,
  claim_id = CAST(NULL AS STRING),
  claimed_until = CAST(NULL AS TIMESTAMP),
  updated_at = s.updated_at
