-- Every ContractApplied element names a contract commitment of contract_commitment_1_3 under its
-- ContractId and says how much of the charge it took (cost, or quantity with its unit). The
-- validator cannot join the two datasets, and its 1.3 ContractApplied rules test misspelt keys.
WITH elements AS (
  SELECT c.x_CostId,
    JSON_VALUE(e, '$.ContractId') AS contract_id,
    JSON_VALUE(e, '$.ContractCommitmentId') AS commitment_id,
    JSON_VALUE(e, '$.ContractCommitmentAppliedCost') AS applied_cost,
    JSON_VALUE(e, '$.ContractCommitmentAppliedQuantity') AS applied_quantity,
    JSON_VALUE(e, '$.ContractCommitmentAppliedUnit') AS applied_unit
  FROM cost_data_standard_1_3 AS c
  LEFT JOIN UNNEST(JSON_QUERY_ARRAY(c.ContractApplied, '$.Elements')) AS e
  WHERE c.ChargePeriodStart >= TIMESTAMP(@p_start_date) AND c.ChargePeriodStart < TIMESTAMP(@p_end_date)
    AND c.ContractApplied IS NOT NULL
)
SELECT x_CostId AS row_id, violation
FROM (
  SELECT a.x_CostId,
    CASE
      WHEN a.contract_id IS NULL OR a.commitment_id IS NULL THEN 'ContractApplied element without ContractId or ContractCommitmentId'
      WHEN t.ContractCommitmentId IS NULL THEN 'ContractApplied names a commitment missing from contract_commitment_1_3'
      WHEN t.ContractId != a.contract_id THEN 'ContractApplied ContractId differs from the ContractId of its commitment'
      WHEN a.applied_cost IS NULL AND a.applied_quantity IS NULL THEN 'ContractApplied element without applied cost or quantity'
      WHEN (a.applied_quantity IS NULL) != (a.applied_unit IS NULL) THEN 'ContractCommitmentAppliedUnit null iff quantity null'
    END AS violation
  FROM elements AS a
  LEFT JOIN contract_commitment_1_3 AS t ON t.ContractCommitmentId = a.commitment_id
)
WHERE violation IS NOT NULL
