-- Price sync and review: records a proposal's decision or supersession (only the decision columns;
-- what was proposed, and when, never changes).
UPDATE llm_price_proposals AS t
SET
  status = s.status,
  decided_value = s.decided_value,
  decided_source = s.decided_source,
  decided_by = s.decided_by,
  decided_at = s.decided_at,
  decision_reason = s.decision_reason,
  applied_pricing_id = s.applied_pricing_id
FROM _staging_llm_price_proposals AS s
WHERE t.proposal_id = s.proposal_id
