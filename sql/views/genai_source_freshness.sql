-- Freshness and completeness per source (each provider's pay-as-you-go feed, each commitment and
-- infrastructure type, the consolidation): "Anthropic pay-as-you-go complete through 2026-11-21".
--
-- complete_through: the last usage day known complete by the source's own lag rule
--   (genai_ref_sources.settles_after_days = L): day D is complete once a successful run covered D and
--   read it on day D + 1 + L or later. A run that read D earlier may have seen it only in part.
-- expected_through: the last day that should be complete today, CURRENT_DATE - 1 - L.
-- rows: raw rows per usage day (usage rows, capacity hours, GPU hours, unified cost rows) on
--   expected_through, against the trailing norm: the mean of the same weekday over the four weeks
--   before (weekends differ from weekdays), counted from the source's first day with rows.
-- state, first match wins:
--   failing  the source's latest finished run failed or was abandoned (killed or timed out), or a
--            run stopped holding the write lease (genai_run_leases) without recording an outcome and
--            no later run has closed it yet;
--   silent   no successful run for 48 hours (two daily schedules missed), or no rows at all on the
--            last three days that should be complete while the norm has rows;
--   late     complete_through is before expected_through, or expected_through has under half the
--            norm's rows (the source is still filling it);
--   fresh    otherwise.
-- running_since: when the run holding the source's write lease now took it (NULL when none runs).
-- Only sources with a run in the ledger or rows in the last 60 days are listed (the enabled ones).
CREATE OR REPLACE VIEW genai_source_freshness AS
WITH sources AS (
  SELECT source_id, flow, source, provider, display_name, settles_after_days,
    DATE_SUB(CURRENT_DATE(), INTERVAL 1 + settles_after_days DAY) AS expected_through
  FROM genai_ref_sources
),
finished AS (
  SELECT flow, provider AS source, status, window_start, window_end, event_at, error, error_kind,
    ROW_NUMBER() OVER (PARTITION BY flow, provider ORDER BY event_at DESC) AS recency
  FROM genai_ingestion_runs
  WHERE event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 400 DAY) AND status IN ('succeeded', 'failed', 'abandoned')
),
runs AS (
  SELECT f.flow, f.source,
    MAX(IF(f.status = 'succeeded', f.event_at, NULL)) AS last_success_at,
    MAX(IF(f.status IN ('failed', 'abandoned'), f.event_at, NULL)) AS last_failure_at,
    -- Per successful run: the newest day of its window it read after that day settled.
    MAX(IF(
      f.status = 'succeeded'
        AND LEAST(DATE_SUB(f.window_end, INTERVAL 1 DAY), DATE_SUB(DATE(f.event_at), INTERVAL 1 + s.settles_after_days DAY))
          >= f.window_start,
      LEAST(DATE_SUB(f.window_end, INTERVAL 1 DAY), DATE_SUB(DATE(f.event_at), INTERVAL 1 + s.settles_after_days DAY)),
      NULL
    )) AS complete_through,
    MAX(IF(f.recency = 1, f.status, NULL)) AS last_run_status,
    MAX(IF(f.recency = 1 AND f.status != 'succeeded', IFNULL(f.error_kind, 'error'), NULL)) AS last_error_kind,
    MAX(IF(f.recency = 1 AND f.status != 'succeeded', SUBSTR(f.error, 1, 300), NULL)) AS last_error
  FROM finished AS f
  JOIN sources AS s ON s.flow = f.flow AND s.source = f.source
  GROUP BY f.flow, f.source
),
outcomes AS (
  SELECT DISTINCT run_id
  FROM genai_ingestion_runs
  WHERE event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 400 DAY) AND status != 'started'
),
-- A lease can span two rows (two first runs raced to create it): aggregate per flow and source.
leases AS (
  SELECT l.flow, l.provider AS source,
    MAX(IF(l.expires_at > CURRENT_TIMESTAMP(), l.acquired_at, NULL)) AS running_since,
    -- A holder past its expiry that recorded no outcome was killed: the next run closes it as abandoned.
    MAX(IF(l.expires_at <= CURRENT_TIMESTAMP() AND o.run_id IS NULL, l.holder_run_id, NULL)) AS lapsed_run_id,
    MAX(IF(l.expires_at <= CURRENT_TIMESTAMP() AND o.run_id IS NULL, l.expires_at, NULL)) AS lapsed_at
  FROM genai_run_leases AS l
  LEFT JOIN outcomes AS o ON o.run_id = l.holder_run_id
  WHERE l.holder_run_id IS NOT NULL
  GROUP BY l.flow, l.provider
),
daily AS (
  SELECT 'payg' AS flow, provider AS source, usage_date, COUNT(*) AS row_count
  FROM genai_payg_usage_all
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 60 DAY)
  GROUP BY provider, usage_date
  UNION ALL
  SELECT 'commitment' AS flow, commitment_type AS source, usage_date, COUNT(*) AS row_count
  FROM genai_commitment_capacity_all
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 60 DAY)
  GROUP BY commitment_type, usage_date
  UNION ALL
  -- The only infrastructure type (vertex_gpu) has its own table.
  SELECT 'infrastructure' AS flow, 'vertex_gpu' AS source, usage_date, COUNT(*) AS row_count
  FROM genai_infrastructure_vertex_ai_gpu
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 60 DAY)
  GROUP BY usage_date
  UNION ALL
  SELECT 'consolidate' AS flow, 'all' AS source, usage_date, COUNT(*) AS row_count
  FROM genai_costs_daily_unified
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 60 DAY)
  GROUP BY usage_date
),
volume AS (
  SELECT s.flow, s.source,
    MIN(d.usage_date) AS first_row_date,
    MAX(d.usage_date) AS last_row_date,
    SUM(IF(d.usage_date = s.expected_through, d.row_count, 0)) AS rows_expected_day,
    SUM(IF(d.usage_date BETWEEN DATE_SUB(s.expected_through, INTERVAL 2 DAY) AND s.expected_through, d.row_count, 0))
      AS rows_last_3_days,
    SUM(IF(d.usage_date IN (
      DATE_SUB(s.expected_through, INTERVAL 7 DAY), DATE_SUB(s.expected_through, INTERVAL 14 DAY),
      DATE_SUB(s.expected_through, INTERVAL 21 DAY), DATE_SUB(s.expected_through, INTERVAL 28 DAY)
    ), d.row_count, 0)) AS rows_same_weekdays
  FROM sources AS s
  JOIN daily AS d ON d.flow = s.flow AND d.source = s.source
  GROUP BY s.flow, s.source
),
measured AS (
  SELECT s.source_id, s.flow, s.source, s.provider, s.display_name, s.settles_after_days, s.expected_through,
    r.complete_through, r.last_success_at, r.last_failure_at, r.last_run_status, r.last_error_kind, r.last_error,
    l.running_since, l.lapsed_run_id, l.lapsed_at, v.last_row_date,
    IFNULL(v.rows_expected_day, 0) AS rows_expected_day,
    IFNULL(v.rows_last_3_days, 0) AS rows_last_3_days,
    -- Averaged over the same weekdays (up to four) on or after the source's first day with rows.
    ROUND(SAFE_DIVIDE(
      v.rows_same_weekdays,
      LEAST(4, GREATEST(0, CAST(FLOOR(DATE_DIFF(s.expected_through, v.first_row_date, DAY) / 7) AS INT64)))
    ), 1) AS rows_norm
  FROM sources AS s
  LEFT JOIN runs AS r ON r.flow = s.flow AND r.source = s.source
  LEFT JOIN volume AS v ON v.flow = s.flow AND v.source = s.source
  LEFT JOIN leases AS l ON l.flow = s.flow AND l.source = s.source
  WHERE r.flow IS NOT NULL OR v.flow IS NOT NULL OR l.flow IS NOT NULL
)
SELECT
  source_id, flow, source, provider, display_name, settles_after_days,
  complete_through, expected_through,
  DATE_DIFF(expected_through, complete_through, DAY) AS days_behind,
  last_success_at, last_failure_at, last_run_status, last_error_kind, last_error, running_since,
  last_row_date, rows_expected_day, rows_last_3_days, rows_norm,
  CASE
    WHEN last_run_status IN ('failed', 'abandoned') OR lapsed_run_id IS NOT NULL THEN 'failing'
    WHEN last_success_at IS NULL OR last_success_at < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 48 HOUR) THEN 'silent'
    WHEN rows_norm > 0 AND rows_last_3_days = 0 THEN 'silent'
    WHEN complete_through IS NULL OR complete_through < expected_through THEN 'late'
    WHEN rows_norm > 0 AND rows_expected_day < 0.5 * rows_norm THEN 'late'
    ELSE 'fresh'
  END AS state,
  CASE
    WHEN lapsed_run_id IS NOT NULL THEN CONCAT(
      'run ', lapsed_run_id, ' stopped without an outcome (killed or timed out): its write lease lapsed at ',
      FORMAT_TIMESTAMP('%Y-%m-%d %H:%M UTC', lapsed_at))
    WHEN last_run_status = 'abandoned' THEN 'last run abandoned: killed or timed out before recording an outcome'
    WHEN last_run_status = 'failed' THEN CONCAT('last run failed: ', IFNULL(last_error_kind, 'error'))
    WHEN last_success_at IS NULL THEN 'no successful run'
    WHEN last_success_at < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 48 HOUR) THEN 'no successful run for 48 hours'
    WHEN rows_norm > 0 AND rows_last_3_days = 0 THEN CONCAT(
      'no rows on the 3 days through ', CAST(expected_through AS STRING), ' (norm ', CAST(rows_norm AS STRING), '/day)')
    WHEN complete_through IS NULL THEN CONCAT('no day read after it settled; expected through ', CAST(expected_through AS STRING))
    WHEN complete_through < expected_through THEN CONCAT(
      'complete through ', CAST(complete_through AS STRING), ', expected through ', CAST(expected_through AS STRING))
    WHEN rows_norm > 0 AND rows_expected_day < 0.5 * rows_norm THEN CONCAT(
      CAST(rows_expected_day AS STRING), ' rows on ', CAST(expected_through AS STRING), ', under half the norm of ',
      CAST(rows_norm AS STRING))
    ELSE CONCAT('complete through ', CAST(complete_through AS STRING))
  END AS state_reason
FROM measured
