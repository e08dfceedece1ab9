-- The last UTC day each provider's pay-as-you-go cost is billed through, for budgets: the last day of its
-- newest succeeded payg ingestion window that the newest succeeded consolidation also covered, never
-- today. Days after it are counted from usage events' estimates (budget_evaluate.sql and
-- budget_top_contributors.sql read the same boundary, so an alert's contributors are the spend it counted).
-- A provider without a succeeded payg run since p_runs_since has no row: nothing of it is billed yet.
CREATE OR REPLACE TABLE FUNCTION genai_billed_through(p_runs_since DATE, p_today DATE) AS
WITH runs AS (
  SELECT flow, provider, MAX(window_end) AS window_end
  FROM genai_ingestion_runs
  WHERE event_date >= p_runs_since AND status = 'succeeded' AND flow IN ('payg', 'consolidate')
  GROUP BY flow, provider
)
SELECT
  r.provider,
  LEAST(
    DATE_SUB(r.window_end, INTERVAL 1 DAY),
    DATE_SUB(c.window_end, INTERVAL 1 DAY),
    DATE_SUB(p_today, INTERVAL 1 DAY)
  ) AS through_date
FROM runs AS r
CROSS JOIN (SELECT MAX(window_end) AS window_end FROM runs WHERE flow = 'consolidate') AS c
WHERE r.flow = 'payg' AND c.window_end IS NOT NULL;
