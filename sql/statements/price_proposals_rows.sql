-- Every price proposal of the price sync, decided or not: the sync needs the decisions to honour them
-- and the pending ones to supersede those the sources no longer raise.
SELECT *
FROM llm_price_proposals
ORDER BY provider, model_id, region, service_tier, rate_column, checked_at, proposal_id
