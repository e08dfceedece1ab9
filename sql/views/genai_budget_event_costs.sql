-- The seam between budgets and per-request usage events: every priced event (sp_genai_4a, the same
-- engine as the bill) in the columns budget evaluation reads. estimated_cost_usd is NULL for an event
-- that cannot be priced (never 0). The event's tags come from the clean events table. Readers filter
-- event_date (the UTC date of occurred_at, both tables' partition column), which both sides of the
-- join are filtered on.
CREATE OR REPLACE VIEW genai_budget_event_costs AS
SELECT
  c.event_date,
  c.occurred_at,
  c.provider,
  c.model,
  c.project_id,
  c.tenant_id,
  c.user_id,
  c.service,
  c.workflow_id,
  e.tags,
  c.estimated_cost_usd
FROM genai_usage_event_costs AS c
LEFT JOIN genai_usage_events AS e
  ON e.event_date = c.event_date
  AND e.event_key = c.event_key
