-- Price sync: adds the proposals it raised that are not in the table yet (a re-run raises the same ids).
INSERT INTO llm_price_proposals
SELECT s.*
FROM _staging_llm_price_proposals AS s
WHERE NOT EXISTS (
  SELECT 1 FROM llm_price_proposals AS t WHERE t.proposal_id = s.proposal_id
)
