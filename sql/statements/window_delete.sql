-- Removes one table's rows for a half-open date window before the window is re-inserted.
-- `target_table` and `window_date` are identifier slots bound from a validated table spec.
DELETE FROM target_table
WHERE window_date >= @p_start_date
  AND window_date < @p_end_date
