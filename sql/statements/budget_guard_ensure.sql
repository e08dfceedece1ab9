-- Creates a table's write guard row if it has none (insert only). Run on its own, committed before the
-- guarded transaction: two racing first writers may each add a row, which is harmless because the
-- guarded transaction updates every row of the guard (see budget_guard_take).
-- @p_guard STRING
MERGE genai_budget_guards AS g
USING (SELECT @p_guard AS guard) AS s
ON g.guard = s.guard
WHEN NOT MATCHED THEN
  INSERT (guard, generation, holder, updated_at) VALUES (s.guard, 0, CAST(NULL AS STRING), CAST(NULL AS TIMESTAMP))
