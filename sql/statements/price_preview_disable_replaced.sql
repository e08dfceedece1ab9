-- prices diff, step 1 of 5 (one transaction): the enabled rows the preview replaces stop pricing for
-- the moment (the staged copy of a row that is replaced has the id 'preview:' || its id).
UPDATE llm_model_pricing
SET is_enabled = FALSE
WHERE is_enabled
  AND pricing_id IN (
    SELECT SUBSTR(pricing_id, 9) FROM _staging_llm_model_pricing WHERE STARTS_WITH(pricing_id, 'preview:')
  )
