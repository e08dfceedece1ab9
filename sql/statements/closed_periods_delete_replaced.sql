-- periods close / reopen: removes the period rows about to be written back, in the same transaction as
-- closed_periods_insert, which inserts the staged versions.
DELETE FROM genai_closed_periods
WHERE billing_period_start IN (SELECT billing_period_start FROM _staging_genai_closed_periods)
