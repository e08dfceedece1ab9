-- Fails the consolidation transaction when any conformance check finds a violation: the ERROR ends
-- the script before COMMIT, so every table the procedures wrote is rolled back with it.
-- check_violations stands for the rows of every check in sql/checks/ (check_name, row_id,
-- violation), UNION ALL, bound by genai_costs.conformance. Selects 0 when every check passes.
WITH per_check AS (
  SELECT check_name, COUNT(*) AS violation_count, MIN(CONCAT(row_id, ': ', violation)) AS sample
  FROM check_violations
  GROUP BY check_name
)
SELECT IF(
  COUNT(*) = 0,
  0,
  ERROR(CONCAT(
    'conformance checks failed: ',
    STRING_AGG(CONCAT(check_name, ': ', CAST(violation_count AS STRING), ' rows (e.g. ', sample, ')'), '; '
      ORDER BY check_name)
  ))
) AS failed
FROM per_check
