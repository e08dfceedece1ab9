-- Pending deliveries whose give-up time has passed without a successful attempt become failed (a
-- sender that never came back, or retries that ran out of time between passes).
-- @p_now TIMESTAMP
UPDATE genai_alert_deliveries
SET status = 'failed', next_attempt_at = CAST(NULL AS TIMESTAMP), claim_id = CAST(NULL AS STRING),
  claimed_until = CAST(NULL AS TIMESTAMP), updated_at = @p_now,
  last_error = IFNULL(last_error, 'no attempt succeeded before the give-up time')
WHERE status = 'pending' AND give_up_at <= @p_now AND (claimed_until IS NULL OR claimed_until <= @p_now)
