-- Adds the staged price rows whose pricing_id is not in the catalog yet (new rows of the price sync or
-- the pricing API); staged copies of existing rows are left to the statements before it.
INSERT INTO llm_model_pricing
SELECT s.*
FROM _staging_llm_model_pricing AS s
WHERE NOT EXISTS (
  SELECT 1 FROM llm_model_pricing AS t WHERE t.pricing_id = s.pricing_id
)
