-- The attribution of sp_genai_4b as FOCUS 1.3 split cost allocation (DataGeneratorCalculatedSplitCostAllocationHandling)
-- in cost_data_standard_1_3, for [p_start_date, p_end_date). Method and choices: docs/focus-allocation.md.
--
-- Origin charges: the pay-as-you-go FOCUS rows sp_genai_3 wrote for a pool (usage day x provider x model x api
-- key x project) that genai_cost_allocation splits among consumers, i.e. a pool with at least one 'allocated'
-- row and a positive cost. FOCUS splits "a charge record present in a FOCUS dataset (origin charge) into multiple
-- charge records (allocated charges) ... while ensuring the origin charge can be derived from the combination of
-- allocated charges": each such origin row is REPLACED by one allocated charge per consumer plus one for the
-- unallocated remainder (AllocatedResourceId null), so summing the dataset never counts a cost twice. Pools
-- without events, commitments, GPU hours and plan fees keep their rows untouched (AllocatedMethodId null).
--
-- Every allocated charge copies the origin's dimensions, unit prices and Tags. Its summable metrics add back
-- EXACTLY to the origin's (sql/checks/focus_allocations_add_back_to_origin.sql):
-- - quantities (PricingQuantity, ConsumedQuantity) and costs without a unit price by cumulative rounding: in a
--   fixed order (consumers by AllocatedResourceId, the remainder last) share_i = ROUND(M * C_i, 9) -
--   ROUND(M * C_i-1, 9), C_i the cumulative ratio of the pool (C_last = 1). The shares telescope to M, none
--   changes sign, each is within 1e-9 of M x ratio; AllocatedRatio = C_i - C_i-1 sums to exactly 1.
-- - ListCost and ContractedCost from the split PricingQuantity by largest remainder: each share is
--   unit price x its PricingQuantity floored to 9 decimals, and the origin's leftover nano-dollars go one each
--   to the shares with the largest truncated fractions (ties: the fixed order). So the shares add back to the
--   origin AND each stays within 1e-9 of unit price x PricingQuantity (FOCUS ListCost-C-011, ContractedCost-C-011).
-- - EffectiveCost, PricingCurrencyEffectiveCost and BilledCost take the ContractedCost shares when the origin's
--   values are equal (pay-as-you-go), otherwise their own cumulative rounding.
--
-- Re-running changes nothing: the origin rows it splits are gone after the first run, and in a consolidation
-- sp_genai_3 rewrites the whole window before it.
CREATE OR REPLACE PROCEDURE sp_genai_4c_split_focus_allocations(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  INSERT INTO cost_data_standard_1_3
  WITH shares AS (
    SELECT
      a.*,
      IF(a.allocation_kind = 'allocated',
        CONCAT('tenant/', IFNULL(a.tenant_id, '-'), '/user/', IFNULL(a.user_id, '-'), '/service/',
          IFNULL(a.service, '-'), '/workflow/', IFNULL(a.workflow_id, '-')),
        NULL) AS consumer_id,
      COUNTIF(a.allocation_kind = 'allocated') OVER pool AS consumers
    FROM genai_cost_allocation AS a
    WHERE a.usage_date >= p_start_date AND a.usage_date < p_end_date AND a.org_slug = p_org_slug
      AND a.allocation_kind IN ('allocated', 'unallocated') AND a.pool_cost_usd > 0
    WINDOW pool AS (PARTITION BY a.usage_date, a.provider, a.model, a.api_key_id, a.project_id)
  ),
  cumulative AS (
    SELECT
      s.*,
      ROW_NUMBER() OVER ordered AS ordinal,
      SUM(s.allocated_cost_usd) OVER (ordered ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative_usd
    FROM shares AS s
    WHERE s.consumers > 0
    WINDOW ordered AS (
      PARTITION BY s.usage_date, s.provider, s.model, s.api_key_id, s.project_id
      ORDER BY IF(s.allocation_kind = 'allocated', 0, 1), s.consumer_id
    )
  ),
  ratios AS (
    SELECT c.*, ROUND(CAST(c.cumulative_usd / c.pool_cost_usd AS NUMERIC), 9) AS ratio_to
    FROM cumulative AS c
  ),
  bounds AS (
    SELECT
      r.*,
      IFNULL(LAG(r.ratio_to) OVER (
        PARTITION BY r.usage_date, r.provider, r.model, r.api_key_id, r.project_id ORDER BY r.ordinal
      ), CAST(0 AS NUMERIC)) AS ratio_from
    FROM ratios AS r
  ),
  split AS (
    SELECT
      o.*,
      b.ordinal AS alloc_ordinal, b.consumer_id AS alloc_consumer_id, b.tenant_id AS alloc_tenant_id,
      b.user_id AS alloc_user_id, b.service AS alloc_service, b.workflow_id AS alloc_workflow_id,
      b.requests AS alloc_requests, b.estimated_cost_usd AS alloc_estimate_usd, b.allocated_cost_usd AS alloc_share_usd,
      b.pool_cost_usd AS alloc_pool_usd, b.ratio_to - b.ratio_from AS alloc_ratio,
      CAST(ROUND(o.PricingQuantity * b.ratio_to, 9) - ROUND(o.PricingQuantity * b.ratio_from, 9) AS NUMERIC)
        AS alloc_pricing_quantity,
      CAST(ROUND(o.ConsumedQuantity * b.ratio_to, 9) - ROUND(o.ConsumedQuantity * b.ratio_from, 9) AS NUMERIC)
        AS alloc_consumed_quantity,
      CAST(ROUND(o.ListCost * b.ratio_to, 9) - ROUND(o.ListCost * b.ratio_from, 9) AS NUMERIC) AS alloc_list_by_ratio,
      CAST(ROUND(o.ContractedCost * b.ratio_to, 9) - ROUND(o.ContractedCost * b.ratio_from, 9) AS NUMERIC)
        AS alloc_contracted_by_ratio,
      CAST(ROUND(o.EffectiveCost * b.ratio_to, 9) - ROUND(o.EffectiveCost * b.ratio_from, 9) AS NUMERIC)
        AS alloc_effective_by_ratio,
      CAST(ROUND(o.BilledCost * b.ratio_to, 9) - ROUND(o.BilledCost * b.ratio_from, 9) AS NUMERIC)
        AS alloc_billed_by_ratio
    FROM cost_data_standard_1_3 AS o
    JOIN bounds AS b
      ON b.usage_date = DATE(o.ChargePeriodStart) AND b.provider = o.x_Provider
      AND IFNULL(b.model, '') = IFNULL(o.x_ModelId, '') AND IFNULL(b.api_key_id, '') = IFNULL(o.x_ApiKeyId, '')
      AND IFNULL(b.project_id, '') = IFNULL(o.SubAccountId, '')
    WHERE o.ChargePeriodStart >= TIMESTAMP(p_start_date) AND o.ChargePeriodStart < TIMESTAMP(p_end_date)
      AND o.x_OrgSlug = p_org_slug AND o.x_Flow = 'payg' AND o.AllocatedMethodId IS NULL
  ),
  -- Unit price x split PricingQuantity, exactly, in nano-dollars (BIGNUMERIC keeps the fraction NUMERIC would round).
  priced AS (
    SELECT
      s.*,
      CAST(s.ListUnitPrice AS BIGNUMERIC) * s.alloc_pricing_quantity * 1000000000 AS alloc_list_nanos,
      CAST(s.ContractedUnitPrice AS BIGNUMERIC) * s.alloc_pricing_quantity * 1000000000 AS alloc_contracted_nanos
    FROM split AS s
  ),
  floored AS (
    SELECT p.*, FLOOR(p.alloc_list_nanos) AS alloc_list_floor, FLOOR(p.alloc_contracted_nanos) AS alloc_contracted_floor
    FROM priced AS p
  ),
  ranked AS (
    SELECT
      f.*,
      CAST(f.ListCost AS BIGNUMERIC) * 1000000000 - SUM(f.alloc_list_floor) OVER origin AS alloc_list_left,
      ROW_NUMBER() OVER (
        PARTITION BY f.x_CostId ORDER BY f.alloc_list_nanos - f.alloc_list_floor DESC, f.alloc_ordinal
      ) AS alloc_list_rank,
      CAST(f.ContractedCost AS BIGNUMERIC) * 1000000000 - SUM(f.alloc_contracted_floor) OVER origin
        AS alloc_contracted_left,
      ROW_NUMBER() OVER (
        PARTITION BY f.x_CostId ORDER BY f.alloc_contracted_nanos - f.alloc_contracted_floor DESC, f.alloc_ordinal
      ) AS alloc_contracted_rank
    FROM floored AS f
    WINDOW origin AS (PARTITION BY f.x_CostId)
  ),
  costed AS (
    SELECT
      r.*,
      IF(r.alloc_list_nanos IS NULL, r.alloc_list_by_ratio,
        CAST((r.alloc_list_floor + IF(r.alloc_list_rank <= r.alloc_list_left, 1, 0)) * 0.000000001 AS NUMERIC))
        AS alloc_list_cost,
      IF(r.alloc_contracted_nanos IS NULL, r.alloc_contracted_by_ratio,
        CAST((r.alloc_contracted_floor + IF(r.alloc_contracted_rank <= r.alloc_contracted_left, 1, 0)) * 0.000000001
          AS NUMERIC)) AS alloc_contracted_cost
    FROM ranked AS r
  ),
  settled AS (
    SELECT
      c.*,
      IF(c.EffectiveCost = c.ContractedCost, c.alloc_contracted_cost, c.alloc_effective_by_ratio) AS alloc_effective_cost
    FROM costed AS c
  )
  SELECT
    t.* EXCEPT (
      alloc_ordinal, alloc_consumer_id, alloc_tenant_id, alloc_user_id, alloc_service, alloc_workflow_id,
      alloc_requests, alloc_estimate_usd, alloc_share_usd, alloc_pool_usd, alloc_ratio, alloc_pricing_quantity,
      alloc_consumed_quantity, alloc_list_by_ratio, alloc_contracted_by_ratio, alloc_effective_by_ratio,
      alloc_billed_by_ratio, alloc_list_nanos, alloc_contracted_nanos, alloc_list_floor, alloc_contracted_floor,
      alloc_list_left, alloc_list_rank, alloc_contracted_left, alloc_contracted_rank, alloc_list_cost,
      alloc_contracted_cost, alloc_effective_cost
    ) REPLACE (
      TO_JSON(STRUCT([STRUCT(
        t.alloc_ratio AS AllocatedRatio,
        t.alloc_requests AS x_Requests,
        t.alloc_estimate_usd AS x_EventsEstimatedCostUsd,
        t.alloc_share_usd AS x_PoolShareUsd,
        t.alloc_pool_usd AS x_PoolCostUsd
      )] AS Elements)) AS AllocatedMethodDetails,
      'genai-costs/usage-events-estimate-share/v1' AS AllocatedMethodId,
      t.alloc_consumer_id AS AllocatedResourceId,
      IF(t.alloc_consumer_id IS NULL, NULL,
        IFNULL(NULLIF(ARRAY_TO_STRING([
          IF(t.alloc_tenant_id IS NULL, NULL, CONCAT('tenant ', t.alloc_tenant_id)),
          IF(t.alloc_user_id IS NULL, NULL, CONCAT('user ', t.alloc_user_id)),
          IF(t.alloc_service IS NULL, NULL, CONCAT('service ', t.alloc_service)),
          IF(t.alloc_workflow_id IS NULL, NULL, CONCAT('workflow ', t.alloc_workflow_id))
        ], ', '), ''), 'usage events without attribution')) AS AllocatedResourceName,
      IF(t.alloc_consumer_id IS NULL, NULL,
        PARSE_JSON(CONCAT('{', ARRAY_TO_STRING([
          IF(t.alloc_tenant_id IS NULL, NULL, CONCAT('"x_TenantId":', TO_JSON_STRING(t.alloc_tenant_id))),
          IF(t.alloc_user_id IS NULL, NULL, CONCAT('"x_UserId":', TO_JSON_STRING(t.alloc_user_id))),
          IF(t.alloc_service IS NULL, NULL, CONCAT('"x_Service":', TO_JSON_STRING(t.alloc_service))),
          IF(t.alloc_workflow_id IS NULL, NULL, CONCAT('"x_WorkflowId":', TO_JSON_STRING(t.alloc_workflow_id)))
        ], ','), '}'))) AS AllocatedTags,
      IF(t.BilledCost = t.ContractedCost, t.alloc_contracted_cost, t.alloc_billed_by_ratio) AS BilledCost,
      t.alloc_consumed_quantity AS ConsumedQuantity,
      t.alloc_contracted_cost AS ContractedCost,
      t.alloc_effective_cost AS EffectiveCost,
      t.alloc_list_cost AS ListCost,
      IF(t.PricingCurrencyEffectiveCost = t.EffectiveCost, t.alloc_effective_cost, t.alloc_effective_by_ratio)
        AS PricingCurrencyEffectiveCost,
      t.alloc_pricing_quantity AS PricingQuantity,
      t.alloc_consumer_id AS x_ConsumerId,
      t.alloc_tenant_id AS x_TenantId,
      t.alloc_user_id AS x_UserId,
      t.alloc_service AS x_Service,
      t.alloc_workflow_id AS x_WorkflowId
    )
  FROM settled AS t;

  -- The origin charges just split: the same rows the INSERT read (unsplit, pay-as-you-go, in a pool with
  -- consumers and a positive cost).
  DELETE FROM cost_data_standard_1_3 AS f
  WHERE f.ChargePeriodStart >= TIMESTAMP(p_start_date) AND f.ChargePeriodStart < TIMESTAMP(p_end_date)
    AND f.x_OrgSlug = p_org_slug AND f.x_Flow = 'payg' AND f.AllocatedMethodId IS NULL
    AND EXISTS (
      SELECT 1
      FROM genai_cost_allocation AS a
      WHERE a.usage_date >= p_start_date AND a.usage_date < p_end_date AND a.org_slug = p_org_slug
        AND a.allocation_kind = 'allocated' AND a.pool_cost_usd > 0
        AND a.usage_date = DATE(f.ChargePeriodStart) AND a.provider = f.x_Provider
        AND IFNULL(a.model, '') = IFNULL(f.x_ModelId, '') AND IFNULL(a.api_key_id, '') = IFNULL(f.x_ApiKeyId, '')
        AND IFNULL(a.project_id, '') = IFNULL(f.SubAccountId, '')
    );
END;
