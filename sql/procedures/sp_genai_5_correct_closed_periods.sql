-- Price corrections of CLOSED billing periods within [p_start_date, p_end_date): the closed months'
-- genai_costs_daily_unified and FOCUS rows stay as they were; each pay-as-you-go row whose cost at
-- today's prices differs from its cost as stated so far (its own cost plus its earlier corrections)
-- gets one genai_cost_corrections row and one FOCUS row with ChargeClass 'Correction' carrying the
-- difference (new - old, exact NUMERIC). FOCUS 1.3 (ChargeClass): a correction to a previously
-- invoiced billing period is delivered in a later one, so the correction row's BillingPeriod is the
-- open month p_billing_period_start, while its ChargePeriod stays the corrected day (the charge it
-- corrects). Days of open months are not touched here: consolidation re-prices them in place.
--
-- Idempotent: a re-run finds each origin's stated cost equal to its cost at today's prices and writes
-- nothing; a zero difference writes nothing. Only rows priced before and after are corrected (usage a
-- closed month reported unpriced stays so: FOCUS has no row to correct), matched by cost_id.
CREATE OR REPLACE PROCEDURE sp_genai_5_correct_closed_periods(
  p_org_slug STRING, p_start_date DATE, p_end_date DATE, p_billing_period_start DATE
)
BEGIN
  INSERT INTO genai_cost_corrections (
    correction_id, org_slug, origin_cost_id, usage_id, usage_date, provider, model, token_type,
    corrected_billing_period_start, billing_period_start, billing_period_end, old_pricing_id, new_pricing_id,
    old_cost_usd, new_cost_usd, cost_difference_usd, billed_difference_usd, list_difference_usd,
    new_list_unit_price, new_unit_price, corrected_at
  )
  WITH closed AS (
    SELECT billing_period_start, billing_period_end
    FROM genai_closed_periods
    WHERE status = 'closed' AND billing_period_end > p_start_date AND billing_period_start < p_end_date
      AND billing_period_start != p_billing_period_start
  ),
  origin AS (
    SELECT u.cost_id, u.usage_id, u.usage_date, u.provider, u.model, u.token_type, u.pricing_id,
      u.cost_usd, IFNULL(u.billed_cost_usd, 0) AS billed_cost_usd, IFNULL(u.list_cost_usd, 0) AS list_cost_usd,
      c.billing_period_start AS corrected_period
    FROM genai_costs_daily_unified AS u
    JOIN closed AS c ON u.usage_date >= c.billing_period_start AND u.usage_date < c.billing_period_end
    WHERE u.usage_date >= p_start_date AND u.usage_date < p_end_date AND u.org_slug = p_org_slug
      AND u.flow = 'payg' AND u.cost_status = 'priced'
  ),
  repriced AS (
    SELECT cost_id, pricing_id, cost_usd, IFNULL(billed_cost_usd, 0) AS billed_cost_usd,
      IFNULL(list_cost_usd, 0) AS list_cost_usd, list_unit_price, unit_price
    FROM genai_costs_payg(p_org_slug, p_start_date, p_end_date)
    WHERE cost_status = 'priced'
  ),
  earlier AS (
    SELECT origin_cost_id, SUM(cost_difference_usd) AS cost, SUM(billed_difference_usd) AS billed,
      SUM(list_difference_usd) AS list
    FROM genai_cost_corrections
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
    GROUP BY origin_cost_id
  ),
  latest AS (
    SELECT origin_cost_id, new_pricing_id
    FROM genai_cost_corrections
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
    QUALIFY ROW_NUMBER() OVER (PARTITION BY origin_cost_id ORDER BY corrected_at DESC, correction_id DESC) = 1
  ),
  deltas AS (
    SELECT o.*, IFNULL(l.new_pricing_id, o.pricing_id) AS old_pricing_id, r.pricing_id AS new_pricing_id,
      o.cost_usd + IFNULL(e.cost, 0) AS old_cost, r.cost_usd AS new_cost,
      r.cost_usd - o.cost_usd - IFNULL(e.cost, 0) AS cost_difference,
      r.billed_cost_usd - o.billed_cost_usd - IFNULL(e.billed, 0) AS billed_difference,
      r.list_cost_usd - o.list_cost_usd - IFNULL(e.list, 0) AS list_difference,
      r.list_unit_price, r.unit_price
    FROM origin AS o
    JOIN repriced AS r ON r.cost_id = o.cost_id
    LEFT JOIN earlier AS e ON e.origin_cost_id = o.cost_id
    LEFT JOIN latest AS l ON l.origin_cost_id = o.cost_id
  )
  SELECT
    CONCAT('corr:', TO_HEX(SHA256(CONCAT(cost_id, '|', IFNULL(old_pricing_id, ''), '|', IFNULL(new_pricing_id, ''),
      '|', CAST(old_cost AS STRING), '|', CAST(new_cost AS STRING))))) AS correction_id,
    p_org_slug AS org_slug, cost_id AS origin_cost_id, usage_id, usage_date, provider, model, token_type,
    corrected_period AS corrected_billing_period_start,
    p_billing_period_start AS billing_period_start,
    DATE_ADD(p_billing_period_start, INTERVAL 1 MONTH) AS billing_period_end,
    old_pricing_id, new_pricing_id, old_cost AS old_cost_usd, new_cost AS new_cost_usd,
    cost_difference AS cost_difference_usd, billed_difference AS billed_difference_usd,
    list_difference AS list_difference_usd, list_unit_price AS new_list_unit_price, unit_price AS new_unit_price,
    CURRENT_TIMESTAMP() AS corrected_at
  FROM deltas
  WHERE cost_difference != 0 OR billed_difference != 0 OR list_difference != 0;

  -- The FOCUS row of each correction not converted yet: the origin's FOCUS row with the differences as
  -- its costs, the open month as its billing period, no quantities (FOCUS: a correction's quantities may
  -- be null), today's unit prices, and x_CostId / x_PricingId naming the correction and its price row.
  INSERT INTO cost_data_standard_1_3
  SELECT f.* REPLACE (
    c.billed_difference_usd AS BilledCost,
    TIMESTAMP(c.billing_period_end) AS BillingPeriodEnd,
    TIMESTAMP(c.billing_period_start) AS BillingPeriodStart,
    'Correction' AS ChargeClass,
    CONCAT('Price correction (', IFNULL(c.old_pricing_id, '-'), ' -> ', IFNULL(c.new_pricing_id, '-'), ') of ',
      IFNULL(f.ChargeDescription, c.origin_cost_id)) AS ChargeDescription,
    CAST(NULL AS NUMERIC) AS ConsumedQuantity,
    CAST(NULL AS STRING) AS ConsumedUnit,
    c.cost_difference_usd AS ContractedCost,
    c.new_unit_price AS ContractedUnitPrice,
    c.cost_difference_usd AS EffectiveCost,
    c.list_difference_usd AS ListCost,
    c.new_list_unit_price AS ListUnitPrice,
    c.new_unit_price AS PricingCurrencyContractedUnitPrice,
    c.cost_difference_usd AS PricingCurrencyEffectiveCost,
    c.new_list_unit_price AS PricingCurrencyListUnitPrice,
    CAST(NULL AS NUMERIC) AS PricingQuantity,
    CAST(NULL AS STRING) AS PricingUnit,
    c.correction_id AS x_CostId,
    c.new_pricing_id AS x_PricingId,
    CURRENT_TIMESTAMP() AS x_ConvertedAt
  )
  FROM genai_cost_corrections AS c
  JOIN (
    SELECT *
    FROM cost_data_standard_1_3
    WHERE ChargePeriodStart >= TIMESTAMP(p_start_date) AND ChargePeriodStart < TIMESTAMP(p_end_date)
      AND ChargeClass IS NULL
    QUALIFY ROW_NUMBER() OVER (PARTITION BY x_CostId ORDER BY BilledCost DESC) = 1
  ) AS f ON f.x_CostId = c.origin_cost_id
  WHERE c.usage_date >= p_start_date AND c.usage_date < p_end_date AND c.org_slug = p_org_slug
    AND NOT EXISTS (
      SELECT 1
      FROM cost_data_standard_1_3 AS done
      WHERE done.ChargePeriodStart >= TIMESTAMP(p_start_date) AND done.ChargePeriodStart < TIMESTAMP(p_end_date)
        AND done.x_CostId = c.correction_id
    );

END;
