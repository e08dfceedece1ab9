-- prices diff, step 5b of 5: the rows step 1 stopped price again (only rows that were enabled were
-- staged as 'preview:' || id), so the catalog is exactly as it was.
UPDATE llm_model_pricing
SET is_enabled = TRUE
WHERE pricing_id IN (
  SELECT SUBSTR(pricing_id, 9) FROM _staging_llm_model_pricing WHERE STARTS_WITH(pricing_id, 'preview:')
)
