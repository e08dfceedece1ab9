-- Price sync: the rows a new price follows get their end date, the day before the new row starts.
-- Only end_date and updated_at change, so a row's prices are never overwritten; custom rows are never
-- touched and a row that already has an end date keeps it. Runs in the sync's transaction, before
-- pricing_insert_new_rows, with the sync's rows staged as _staging_llm_model_pricing.
UPDATE llm_model_pricing AS t
SET end_date = s.end_date, updated_at = s.updated_at
FROM _staging_llm_model_pricing AS s
WHERE t.pricing_id = s.pricing_id
  AND t.is_custom = FALSE
  AND t.end_date IS NULL
  AND s.end_date IS NOT NULL
