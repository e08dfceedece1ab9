-- prices diff, step 5a of 5: the previewed rows go again.
DELETE FROM llm_model_pricing
WHERE pricing_id IN (SELECT pricing_id FROM _staging_llm_model_pricing)
