-- Budget alert keys already in the ledger for periods starting on or after @p_since, with when each
-- was raised (a cooldown counts reminders from the first alert of a key).
-- @p_since DATE
SELECT ledger_key, created_at
FROM genai_alert_ledger
WHERE kind IN ('budget_threshold_actual', 'budget_threshold_forecast') AND period_start >= @p_since
