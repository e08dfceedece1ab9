-- The seam between budgets and per-request usage events: every event with its estimated cost, in
-- the columns budget evaluation reads. estimated_cost_usd is NULL for an event that cannot be priced
-- (never 0). Readers filter event_date (the UTC date of occurred_at, the events' partition column).
--
-- Until genai_usage_events carries the estimated cost (issue 12: events priced by the catalog), this
-- view has no rows: budgets are fed by the provider-billed and computed cost alone, and budgets scoped
-- to a tenant, user, service, workflow or tag see no spend. When the priced events land, the body
-- becomes (and nothing else changes):
--   SELECT event_date, occurred_at, provider, model, project_id, tenant_id, user_id, service,
--          workflow_id, tags, estimated_cost_usd
--   FROM genai_usage_events
CREATE OR REPLACE VIEW genai_budget_event_costs AS
SELECT
  CAST(NULL AS DATE) AS event_date,
  CAST(NULL AS TIMESTAMP) AS occurred_at,
  CAST(NULL AS STRING) AS provider,
  CAST(NULL AS STRING) AS model,
  CAST(NULL AS STRING) AS project_id,
  CAST(NULL AS STRING) AS tenant_id,
  CAST(NULL AS STRING) AS user_id,
  CAST(NULL AS STRING) AS service,
  CAST(NULL AS STRING) AS workflow_id,
  CAST(NULL AS JSON) AS tags,
  CAST(NULL AS NUMERIC) AS estimated_cost_usd
FROM UNNEST(CAST([] AS ARRAY<INT64>))
