-- Costs for [p_start_date, p_end_date) into genai_costs_daily_unified, replacing exactly that window:
-- one row per priced quantity, from three jobs, each a table function in sql/functions/, fed into ONE
-- insert:
--   genai_costs_payg            every token category of every genai_usage_daily row, at the price valid that day;
--   genai_costs_commitment      per commitment and day, a Purchase row and Used / Unused usage rows;
--   genai_costs_infrastructure  Vertex AI GPU hours x the SKU's rate per GPU-hour;
--   genai_costs_plans           the organization's plan fees, a Recurring Purchase prorated to the day.
CREATE OR REPLACE PROCEDURE sp_genai_2_consolidate_costs_daily(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_costs_daily_unified
  WHERE usage_date >= p_start_date AND usage_date < p_end_date;

  INSERT INTO genai_costs_daily_unified (
    cost_id, flow, charge_category, org_slug, usage_date, provider, model, region, service_tier, is_batch,
    project_id, api_key_id, deployment, context_window, token_type, usage_id, pricing_id, price_match,
    price_rule, pricing_type, is_custom_price, consumed_quantity, consumed_unit, free_quantity,
    billable_quantity, pricing_unit, pricing_quantity, list_unit_price, unit_price, list_cost_usd, cost_usd,
    billed_cost_usd, currency, cost_status, unpriced_reason, commitment_id, commitment_type, commitment_status,
    subscription_id, estimate_reason, consolidated_at
  )
  WITH all_costs AS (
    SELECT * FROM genai_costs_payg(p_org_slug, p_start_date, p_end_date)
    UNION ALL
    SELECT * FROM genai_costs_commitment(p_org_slug, p_start_date, p_end_date)
    UNION ALL
    SELECT * FROM genai_costs_infrastructure(p_org_slug, p_start_date, p_end_date)
    UNION ALL
    SELECT * FROM genai_costs_plans(p_org_slug, p_start_date, p_end_date)
  )
  SELECT *, CURRENT_TIMESTAMP() AS consolidated_at
  FROM all_costs;

END;
