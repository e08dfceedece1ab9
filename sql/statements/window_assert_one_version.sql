-- Refuses a window write in which one record_id comes in different versions: the provider
-- contradicted itself and nothing tells which version is right, so the error rolls back the whole
-- write and every table keeps its rows. Identical copies pass (window_insert keeps one).
-- Slot: staging_table. Selects 0 when the staged rows are consistent.
WITH repeated AS (
  SELECT * FROM staging_table
  WHERE TRUE
  QUALIFY COUNT(*) OVER (PARTITION BY record_id) > 1
),
versions AS (
  SELECT record_id, COUNT(DISTINCT TO_JSON_STRING(r)) AS version_count
  FROM repeated AS r
  GROUP BY record_id
)
SELECT IF(
  COUNTIF(version_count > 1) = 0,
  0,
  ERROR(CONCAT(
    'window write refused: ', CAST(COUNTIF(version_count > 1) AS STRING),
    ' record(s) came in different versions, e.g. record_id ', MIN(IF(version_count > 1, record_id, NULL)),
    '; nothing was written'
  ))
) AS refused
FROM versions
