-- Adds a budget version unless a row with its (budget_id, version) exists: of two concurrent changes
-- to the same budget only one becomes that version (guarded write, see budget_guard_take.sql); the
-- other writer finds a different write_id on the row and reports a conflict.
MERGE genai_budgets AS t
USING _staging_genai_budgets AS s
ON t.budget_id = s.budget_id AND t.version = s.version
WHEN NOT MATCHED THEN
  INSERT (
    budget_id, version, org_slug, name, amount_usd, period_kind, time_zone, week_start, custom_start,
    custom_end, period_key, scope_tenant, scope_user, scope_service, scope_workflow, scope_provider,
    scope_model, scope_project, scope_tags, thresholds, channels, cooldown_minutes, enabled, deleted,
    created_at, updated_at, write_id
  )
  VALUES (
    s.budget_id, s.version, s.org_slug, s.name, s.amount_usd, s.period_kind, s.time_zone, s.week_start,
    s.custom_start, s.custom_end, s.period_key, s.scope_tenant, s.scope_user, s.scope_service,
    s.scope_workflow, s.scope_provider, s.scope_model, s.scope_project, s.scope_tags, s.thresholds,
    s.channels, s.cooldown_minutes, s.enabled, s.deleted, s.created_at, s.updated_at, s.write_id
  )
