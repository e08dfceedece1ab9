-- Rows one table holds in a half-open date window (after a window write, what it wrote).
-- Slots: target_table, window_date.
SELECT COUNT(*) AS row_count
FROM target_table
WHERE window_date >= @p_start_date
  AND window_date < @p_end_date
