-- FOCUS 1.3 Contract Commitment dataset, every row of the commitments active in the window: the
-- category is an allowed value (the validator passes it when any one row is valid), each
-- ContractCommitmentId appears once (so it has one parent ContractId; the validator skips this),
-- Spend commitments carry a cost and currency, Usage commitments a quantity, the unit follows the
-- quantity, and periods end after they start.
SELECT ContractCommitmentId AS row_id, violation
FROM (
  SELECT ContractCommitmentId,
    CASE
      WHEN ContractCommitmentCategory NOT IN ('Spend', 'Usage') THEN 'ContractCommitmentCategory not allowed'
      WHEN COUNT(*) OVER (PARTITION BY ContractCommitmentId) > 1 THEN 'ContractCommitmentId not unique'
      WHEN ContractCommitmentCategory = 'Spend' AND (ContractCommitmentCost IS NULL OR BillingCurrency IS NULL)
        THEN 'Spend commitment without cost or currency'
      WHEN ContractCommitmentCategory = 'Usage' AND ContractCommitmentQuantity IS NULL THEN 'Usage commitment without quantity'
      WHEN (ContractCommitmentQuantity IS NULL) != (ContractCommitmentUnit IS NULL)
        THEN 'ContractCommitmentUnit null iff ContractCommitmentQuantity null'
      WHEN ContractCommitmentPeriodEnd <= ContractCommitmentPeriodStart OR ContractPeriodEnd <= ContractPeriodStart
        THEN 'period end not after start'
    END AS violation
  FROM contract_commitment_1_3
  WHERE ContractCommitmentPeriodStart < TIMESTAMP(@p_end_date) AND ContractCommitmentPeriodEnd > TIMESTAMP(@p_start_date)
)
WHERE violation IS NOT NULL
