-- The FOCUS 1.3 Contract Commitment dataset (contract_commitment_1_3): the terms of every
-- commitment active in [p_start_date, p_end_date), merged in (extended, never shrunk), so earlier
-- windows' commitments stay listed. Runs after sp_genai_3_convert_to_focus, whose commitment rows
-- link here through CommitmentDiscountId and ContractApplied.
CREATE OR REPLACE PROCEDURE sp_genai_3b_convert_commitments_to_focus(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  MERGE INTO contract_commitment_1_3 AS t
  USING (
    SELECT
      c.commitment_id,
      ANY_VALUE(c.provider) AS provider,
      ANY_VALUE(ct.focus_label) AS commitment_label,
      ANY_VALUE(c.commitment_name) AS commitment_name,
      ANY_VALUE(c.model) AS model,
      ANY_VALUE(c.term) AS term,
      ANY_VALUE(c.terms_source) AS terms_source,
      ANY_VALUE(c.capacity_unit) AS capacity_unit,
      MAX(c.provisioned_units) AS units,
      COALESCE(MIN(c.commitment_start), MIN(c.hour_start)) AS period_start,
      COALESCE(MAX(c.commitment_end), TIMESTAMP_ADD(MAX(c.hour_start), INTERVAL 1 HOUR)) AS period_end
    FROM genai_commitment_capacity_all AS c
    LEFT JOIN genai_ref_commitment_types AS ct ON ct.commitment_type = c.commitment_type
    WHERE c.usage_date >= p_start_date AND c.usage_date < p_end_date AND c.org_slug = p_org_slug
    GROUP BY c.commitment_id
  ) AS s
  ON t.ContractCommitmentId = s.commitment_id
  WHEN MATCHED THEN UPDATE SET
    ContractCommitmentPeriodStart = LEAST(t.ContractCommitmentPeriodStart, s.period_start),
    ContractCommitmentPeriodEnd = GREATEST(t.ContractCommitmentPeriodEnd, s.period_end),
    ContractPeriodStart = LEAST(t.ContractPeriodStart, s.period_start),
    ContractPeriodEnd = GREATEST(t.ContractPeriodEnd, s.period_end),
    ContractCommitmentQuantity = s.units
  WHEN NOT MATCHED THEN INSERT (
    BillingCurrency, ContractCommitmentCategory, ContractCommitmentCost, ContractCommitmentDescription,
    ContractCommitmentId, ContractCommitmentPeriodEnd, ContractCommitmentPeriodStart, ContractCommitmentQuantity,
    ContractCommitmentType, ContractCommitmentUnit, ContractId, ContractPeriodEnd, ContractPeriodStart,
    x_OrgSlug, x_Provider, x_Source
  ) VALUES (
    'USD', 'Usage', NULL,
    CONCAT(IFNULL(s.commitment_name, s.commitment_id), ' for ', IFNULL(s.model, 'any model'), ', term ', IFNULL(s.term, 'unknown')),
    s.commitment_id, s.period_end, s.period_start, s.units,
    s.commitment_label, s.capacity_unit,
    s.commitment_id, s.period_end, s.period_start,
    p_org_slug, s.provider, s.terms_source
  );
END;
