-- Budget evaluation: spend to date of every active budget in its current period, and the daily
-- history its forecast is built from, in one pass over both ledgers.
--
-- Parameters:
--   @p_periods STRING        JSON array, one object per period definition in use:
--                            {"period_key", "start_at", "end_at"}; start_at / end_at are the UTC instants
--                            of the period's local midnights (computed with zoneinfo by the caller)
--   @p_now TIMESTAMP         spend is to this instant
--   @p_today DATE            UTC date of @p_now
--   @p_scan_start DATE       first UTC day read: the earliest period start, or the history start if earlier
--   @p_history_start DATE    first UTC day of the forecast history (the history ends before @p_today)
--   @p_runs_since DATE       ingestion runs read for what each source is billed through
--
-- Two ledgers, never the same spend twice:
--   billed     genai_costs_daily_unified, cost_usd (effective cost), for the UTC days each provider is
--              complete through: the last day of its newest succeeded payg window that the newest
--              succeeded consolidation also covered, never today;
--   estimated  genai_budget_event_costs, the usage events' estimated cost, for the days after that,
--              and for every day when the scope names a tenant, user, service, workflow or tag (only
--              events carry those).
-- Events count by instant (occurred_at in [period start, now)); billed rows by UTC day. The UTC day that
-- straddles a period start in another time zone is returned whole (billed_first_day_usd) and prorated
-- by the caller in exact decimal arithmetic.
--
-- Matching all budgets at once: budgets are grouped by scope shape (which dimensions they filter on);
-- spend is aggregated once per shape with the dimensions outside the shape set to '' ("any") and
-- equi-joined to the budgets of that shape. Events are cut into segments at every period start, at
-- @p_now and at every UTC midnight, so each budget's window is a union of whole segments.
WITH periods AS (
  SELECT
    JSON_VALUE(p, '$.period_key') AS period_key,
    TIMESTAMP(JSON_VALUE(p, '$.start_at')) AS start_at,
    TIMESTAMP(JSON_VALUE(p, '$.end_at')) AS end_at
  FROM UNNEST(JSON_QUERY_ARRAY(@p_periods)) AS p
),
budgets AS (
  SELECT
    b.budget_id, b.version, b.scope_provider, b.scope_shape AS shape, b.events_only, pr.start_at,
    b.match_tenant, b.match_user, b.match_service, b.match_workflow, b.match_provider, b.match_model,
    b.match_project, b.match_tag_1, b.match_tag_2, b.match_tag_3, b.tag_key_1, b.tag_key_2, b.tag_key_3
  FROM genai_budgets_current AS b
  JOIN periods AS pr ON pr.period_key = b.period_key
  WHERE b.enabled AND pr.start_at <= @p_now AND @p_now < pr.end_at
),
shapes AS (
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
cuts AS (
  SELECT DISTINCT start_at AS cut_at FROM budgets WHERE start_at >= TIMESTAMP(@p_scan_start)
  UNION DISTINCT
  SELECT @p_now AS cut_at
  UNION DISTINCT
  SELECT TIMESTAMP(day) AS cut_at FROM UNNEST(GENERATE_DATE_ARRAY(@p_scan_start, @p_today)) AS day
),
segments AS (
  SELECT seg_start, seg_end, DATE(seg_start) AS seg_day
  FROM (SELECT cut_at AS seg_start, LEAD(cut_at) OVER (ORDER BY cut_at) AS seg_end FROM cuts) AS s
  WHERE seg_end IS NOT NULL AND seg_end <= @p_now
),
events AS (
  SELECT
    e.occurred_at, e.event_date, e.provider, e.model, e.project_id, e.tenant_id, e.user_id, e.service,
    e.workflow_id, e.tags, e.estimated_cost_usd,
    (bt.through_date IS NULL OR e.event_date > bt.through_date) AS not_billed
  FROM genai_budget_event_costs AS e
  LEFT JOIN billed_through AS bt ON bt.provider = e.provider
  WHERE e.event_date >= @p_scan_start AND e.event_date <= @p_today
),
event_slices AS (
  SELECT
    sh.shape,
    sg.seg_start,
    sg.seg_day,
    IF(sh.by_tenant, e.tenant_id, '') AS k_tenant,
    IF(sh.by_user, e.user_id, '') AS k_user,
    IF(sh.by_service, e.service, '') AS k_service,
    IF(sh.by_workflow, e.workflow_id, '') AS k_workflow,
    IF(sh.by_provider, e.provider, '') AS k_provider,
    IF(sh.by_model, e.model, '') AS k_model,
    IF(sh.by_project, e.project_id, '') AS k_project,
    IF(sh.tag_key_1 IS NULL, '', JSON_VALUE(e.tags[sh.tag_key_1])) AS k_tag_1,
    IF(sh.tag_key_2 IS NULL, '', JSON_VALUE(e.tags[sh.tag_key_2])) AS k_tag_2,
    IF(sh.tag_key_3 IS NULL, '', JSON_VALUE(e.tags[sh.tag_key_3])) AS k_tag_3,
    SUM(e.estimated_cost_usd) AS usd,
    COUNTIF(e.estimated_cost_usd IS NULL) AS unpriced_events
  FROM events AS e
  JOIN segments AS sg
    ON sg.seg_day = e.event_date AND e.occurred_at >= sg.seg_start AND e.occurred_at < sg.seg_end
  CROSS JOIN shapes AS sh
  WHERE sh.events_only OR e.not_billed
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
),
billed_days AS (
  SELECT
    c.usage_date AS day, c.provider, c.model, c.project_id,
    SUM(c.cost_usd) AS usd,
    COUNTIF(c.cost_status = 'unpriced') AS unpriced_rows
  FROM genai_costs_daily_unified AS c
  JOIN billed_through AS bt ON bt.provider = c.provider AND c.usage_date <= bt.through_date
  WHERE c.usage_date >= @p_scan_start AND c.usage_date <= @p_today
  GROUP BY 1, 2, 3, 4
),
billed_slices AS (
  SELECT
    sh.shape,
    b.day,
    IF(sh.by_provider, b.provider, '') AS k_provider,
    IF(sh.by_model, b.model, '') AS k_model,
    IF(sh.by_project, b.project_id, '') AS k_project,
    SUM(b.usd) AS usd,
    SUM(b.unpriced_rows) AS unpriced_rows
  FROM billed_days AS b
  CROSS JOIN shapes AS sh
  WHERE NOT sh.events_only
  GROUP BY 1, 2, 3, 4, 5
),
matched_events AS (
  SELECT b.budget_id, s.seg_start, s.seg_day AS day, s.usd, s.unpriced_events, s.seg_start >= b.start_at AS in_period
  FROM budgets AS b
  JOIN event_slices AS s
    ON s.shape = b.shape
    AND s.k_tenant = b.match_tenant AND s.k_user = b.match_user AND s.k_service = b.match_service
    AND s.k_workflow = b.match_workflow AND s.k_provider = b.match_provider AND s.k_model = b.match_model
    AND s.k_project = b.match_project
    AND s.k_tag_1 = b.match_tag_1 AND s.k_tag_2 = b.match_tag_2 AND s.k_tag_3 = b.match_tag_3
),
matched_billed AS (
  SELECT
    b.budget_id, s.day, s.usd, s.unpriced_rows,
    TIMESTAMP(s.day) >= b.start_at AS whole_day_in_period,
    s.day = DATE(b.start_at) AND TIMESTAMP(s.day) < b.start_at AS straddles_start
  FROM budgets AS b
  JOIN billed_slices AS s
    ON s.shape = b.shape AND s.k_provider = b.match_provider AND s.k_model = b.match_model
    AND s.k_project = b.match_project
),
event_totals AS (
  SELECT
    budget_id,
    SUM(IF(in_period, usd, 0)) AS estimated_usd,
    SUM(IF(in_period, unpriced_events, 0)) AS unpriced_events
  FROM matched_events
  GROUP BY budget_id
),
billed_totals AS (
  SELECT
    budget_id,
    SUM(IF(whole_day_in_period, usd, 0)) AS billed_whole_days_usd,
    SUM(IF(straddles_start, usd, 0)) AS billed_first_day_usd,
    SUM(IF(whole_day_in_period OR straddles_start, unpriced_rows, 0)) AS unpriced_cost_rows
  FROM matched_billed
  GROUP BY budget_id
),
daily AS (
  SELECT budget_id, day, SUM(usd) AS usd
  FROM (
    SELECT budget_id, day, usd FROM matched_events
    UNION ALL
    SELECT budget_id, day, usd FROM matched_billed
  ) AS d
  WHERE day >= @p_history_start AND day < @p_today
  GROUP BY budget_id, day
),
history AS (
  SELECT budget_id, ARRAY_AGG(STRUCT(day, usd) ORDER BY day) AS days
  FROM daily
  WHERE usd IS NOT NULL
  GROUP BY budget_id
),
providers AS (
  SELECT provider FROM billed_through
  UNION DISTINCT
  SELECT DISTINCT provider FROM events
),
budget_billed_through AS (
  -- The last day every provider the budget reads is billed through; NULL while one of them has spend
  -- that is never billed (no succeeded ingestion: its every day is an estimate).
  SELECT b.budget_id, IF(LOGICAL_OR(bt.through_date IS NULL), NULL, MIN(bt.through_date)) AS through_date
  FROM budgets AS b
  JOIN providers AS p ON b.scope_provider IS NULL OR p.provider = b.scope_provider
  LEFT JOIN billed_through AS bt ON bt.provider = p.provider
  WHERE NOT b.events_only
  GROUP BY b.budget_id
),
data_start AS (
  -- The first day the organization has any spend data in the scanned days: history before it is unknown, not zero.
  SELECT LEAST(
    IFNULL((SELECT MIN(event_date) FROM events), @p_today),
    IFNULL((SELECT MIN(day) FROM billed_days), @p_today)
  ) AS first_day
)
SELECT
  b.budget_id,
  b.version,
  b.start_at,
  b.events_only,
  IFNULL(et.estimated_usd, 0) AS estimated_usd,
  IFNULL(bl.billed_whole_days_usd, 0) AS billed_whole_days_usd,
  IFNULL(bl.billed_first_day_usd, 0) AS billed_first_day_usd,
  IFNULL(et.unpriced_events, 0) AS unpriced_events,
  IFNULL(bl.unpriced_cost_rows, 0) AS unpriced_cost_rows,
  bbt.through_date AS billed_through,
  h.days AS history,
  ds.first_day AS data_start
FROM budgets AS b
LEFT JOIN event_totals AS et ON et.budget_id = b.budget_id
LEFT JOIN billed_totals AS bl ON bl.budget_id = b.budget_id
LEFT JOIN budget_billed_through AS bbt ON bbt.budget_id = b.budget_id
LEFT JOIN history AS h ON h.budget_id = b.budget_id
CROSS JOIN data_start AS ds
ORDER BY b.budget_id
