-- Appends the staged audit rows of a catalog change, in the change's own transaction.
INSERT INTO llm_pricing_audit
SELECT *
FROM _staging_llm_pricing_audit
