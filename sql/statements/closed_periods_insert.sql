-- periods close / reopen: the staged period rows (after closed_periods_delete_replaced).
INSERT INTO genai_closed_periods
SELECT *
FROM _staging_genai_closed_periods
