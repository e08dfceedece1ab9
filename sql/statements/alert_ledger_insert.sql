-- The alert ledger's conditional insert: a staged alert is inserted only if its ledger key is absent,
-- so each (budget, period, threshold, basis, repeat) or operational key gets exactly one row. Runs in
-- the guarded transaction (budget_guard_take.sql first), which makes it exact under concurrency too.
MERGE genai_alert_ledger AS t
USING _staging_genai_alert_ledger AS s
ON t.ledger_key = s.ledger_key
WHEN NOT MATCHED THEN
  INSERT (
    ledger_key, alert_id, org_slug, kind, budget_id, budget_version, period_start, period_end,
    threshold_percent, basis, repeat_index, subject, spend_usd, amount_usd, forecast_usd, superseded_by,
    alert, channels, channel_count, evaluation_id, created_at
  )
  VALUES (
    s.ledger_key, s.alert_id, s.org_slug, s.kind, s.budget_id, s.budget_version, s.period_start,
    s.period_end, s.threshold_percent, s.basis, s.repeat_index, s.subject, s.spend_usd, s.amount_usd,
    s.forecast_usd, s.superseded_by, s.alert, s.channels, s.channel_count, s.evaluation_id, s.created_at
  )
