-- Refuses a pay-as-you-go window write that would keep one record both as usage and in
-- quarantine (a provider served it twice, one version consistent and one not): the record would
-- be stored twice. Slots: usage_staged, quarantine_staged. Selects 0 when no record is in both.
SELECT IF(
  COUNT(*) = 0,
  0,
  ERROR(CONCAT(
    'window write refused: ', CAST(COUNT(*) AS STRING),
    ' record(s) came in different versions, one usable and one quarantined, e.g. record_id ',
    MIN(u.record_id), '; nothing was written'
  ))
) AS refused
FROM (SELECT DISTINCT record_id FROM usage_staged) AS u
JOIN (SELECT DISTINCT record_id FROM quarantine_staged) AS q
  ON q.record_id = u.record_id
