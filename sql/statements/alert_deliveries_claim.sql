-- Claims every delivery that is due and not held by another sender (a conditional update: of two
-- concurrent senders, BigQuery serializes the updates and the second finds the rows claimed; DuckDB
-- refuses the second update of the same rows). A claim lapses at @p_claimed_until, so the rows of
-- a sender that crashed are picked up again.
-- @p_claim_id STRING  @p_now TIMESTAMP  @p_claimed_until TIMESTAMP
UPDATE genai_alert_deliveries
SET claim_id = @p_claim_id, claimed_until = @p_claimed_until, updated_at = @p_now
WHERE status = 'pending' AND next_attempt_at <= @p_now AND give_up_at > @p_now
  AND (claimed_until IS NULL OR claimed_until <= @p_now)
