-- The top tenants, users and models of the spend of the budgets that are about to alert, for the
-- alert text. Same sources and matching as budget_evaluate.sql: events by instant in [period start,
-- now) (the days not yet billed, or every day for events-only scopes), billed rows by model for the
-- whole UTC days in the period.
--
-- Parameters:
--   @p_budgets STRING      JSON array of {"budget_id", "start_at"}: the budgets and their period starts
--   @p_now TIMESTAMP       to this instant
--   @p_today DATE          UTC date of @p_now
--   @p_scan_start DATE     first UTC day read (the earliest of the period starts)
--   @p_runs_since DATE     ingestion runs read for what each source is billed through
--   @p_limit INT64         contributors per budget and dimension
WITH wanted AS (
  SELECT JSON_VALUE(w, '$.budget_id') AS budget_id, TIMESTAMP(JSON_VALUE(w, '$.start_at')) AS start_at
  FROM UNNEST(JSON_QUERY_ARRAY(@p_budgets)) AS w
),
budgets AS (
  SELECT
    b.budget_id, b.scope_shape AS shape, b.events_only, w.start_at,
    b.match_tenant, b.match_user, b.match_service, b.match_workflow, b.match_provider, b.match_model,
    b.match_project, b.match_tag_1, b.match_tag_2, b.match_tag_3, b.tag_key_1, b.tag_key_2, b.tag_key_3
  FROM genai_budgets_current AS b
  JOIN wanted AS w ON w.budget_id = b.budget_id
),
shapes AS (
  -- One row per scope shape (not per period start): events are keyed once per shape, then equi-joined
  -- to the budgets that alert, so only the events of those budgets are grouped by contributor.
  SELECT DISTINCT
    shape, events_only, tag_key_1, tag_key_2, tag_key_3,
    match_tenant != '' AS by_tenant, match_user != '' AS by_user, match_service != '' AS by_service,
    match_workflow != '' AS by_workflow, match_provider != '' AS by_provider, match_model != '' AS by_model,
    match_project != '' AS by_project
  FROM budgets
),
billed_through AS (
  SELECT provider, through_date FROM genai_billed_through(@p_runs_since, @p_today)
),
events AS (
  SELECT e.*, (bt.through_date IS NULL OR e.event_date > bt.through_date) AS not_billed
  FROM genai_budget_event_costs AS e
  LEFT JOIN billed_through AS bt ON bt.provider = e.provider
  WHERE e.event_date >= @p_scan_start AND e.event_date <= @p_today AND e.occurred_at < @p_now
),
keyed_events AS (
  SELECT
    sh.shape, e.occurred_at, e.tenant_id, e.user_id, e.model, e.estimated_cost_usd,
    IF(sh.by_tenant, e.tenant_id, '') AS k_tenant,
    IF(sh.by_user, e.user_id, '') AS k_user,
    IF(sh.by_service, e.service, '') AS k_service,
    IF(sh.by_workflow, e.workflow_id, '') AS k_workflow,
    IF(sh.by_provider, e.provider, '') AS k_provider,
    IF(sh.by_model, e.model, '') AS k_model,
    IF(sh.by_project, e.project_id, '') AS k_project,
    IF(sh.tag_key_1 IS NULL, '', JSON_VALUE(e.tags[sh.tag_key_1])) AS k_tag_1,
    IF(sh.tag_key_2 IS NULL, '', JSON_VALUE(e.tags[sh.tag_key_2])) AS k_tag_2,
    IF(sh.tag_key_3 IS NULL, '', JSON_VALUE(e.tags[sh.tag_key_3])) AS k_tag_3
  FROM events AS e
  CROSS JOIN shapes AS sh
  WHERE sh.events_only OR e.not_billed
),
event_contributions AS (
  SELECT b.budget_id, d.dimension, d.name, SUM(e.estimated_cost_usd) AS usd
  FROM keyed_events AS e
  JOIN budgets AS b
    ON e.shape = b.shape
    AND e.k_tenant = b.match_tenant AND e.k_user = b.match_user AND e.k_service = b.match_service
    AND e.k_workflow = b.match_workflow AND e.k_provider = b.match_provider AND e.k_model = b.match_model
    AND e.k_project = b.match_project
    AND e.k_tag_1 = b.match_tag_1 AND e.k_tag_2 = b.match_tag_2 AND e.k_tag_3 = b.match_tag_3
  CROSS JOIN UNNEST([
    STRUCT('tenant' AS dimension, e.tenant_id AS name),
    STRUCT('user' AS dimension, e.user_id AS name),
    STRUCT('model' AS dimension, e.model AS name)
  ]) AS d
  WHERE e.occurred_at >= b.start_at AND d.name IS NOT NULL
  GROUP BY 1, 2, 3
),
keyed_billed AS (
  SELECT
    sh.shape, c.usage_date, c.model, c.cost_usd,
    IF(sh.by_provider, c.provider, '') AS k_provider,
    IF(sh.by_model, c.model, '') AS k_model,
    IF(sh.by_project, c.project_id, '') AS k_project
  FROM genai_costs_daily_unified AS c
  JOIN billed_through AS bt ON bt.provider = c.provider AND c.usage_date <= bt.through_date
  CROSS JOIN shapes AS sh
  WHERE c.usage_date >= @p_scan_start AND c.usage_date <= @p_today AND NOT sh.events_only AND c.model IS NOT NULL
),
billed_contributions AS (
  SELECT b.budget_id, 'model' AS dimension, c.model AS name, SUM(c.cost_usd) AS usd
  FROM keyed_billed AS c
  JOIN budgets AS b
    ON c.shape = b.shape AND c.k_provider = b.match_provider AND c.k_model = b.match_model
    AND c.k_project = b.match_project
  WHERE TIMESTAMP(c.usage_date) >= b.start_at
  GROUP BY 1, 2, 3
),
contributions AS (
  SELECT budget_id, dimension, name, SUM(usd) AS usd
  FROM (
    SELECT budget_id, dimension, name, usd FROM event_contributions
    UNION ALL
    SELECT budget_id, dimension, name, usd FROM billed_contributions
  ) AS u
  GROUP BY 1, 2, 3
)
SELECT budget_id, dimension, name, usd
FROM contributions
WHERE usd > 0
QUALIFY ROW_NUMBER() OVER (PARTITION BY budget_id, dimension ORDER BY usd DESC, name) <= @p_limit
ORDER BY budget_id, dimension, usd DESC, name
