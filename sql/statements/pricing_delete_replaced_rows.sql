-- Pricing API: removes the rows it is about to write back changed (a correction, an end date, a
-- disable), in the same transaction as pricing_insert_new_rows, which inserts the staged versions.
DELETE FROM llm_model_pricing
WHERE pricing_id IN (SELECT pricing_id FROM _staging_llm_model_pricing)
