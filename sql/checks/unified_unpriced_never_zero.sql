-- Unknown models are never booked at $0: priced rows carry a price row and a cost, unpriced
-- rows carry a reason and no cost at all; tokens on provisioned capacity are 'committed' at 0
-- because their commitment's own rows carry the money. A credit (trial credit drawn) has an amount
-- and the plan row that granted it, but no unit price. Provider-reported rows carry the provider's
-- dollars, no price row, and the reason the catalog could not price them.
SELECT cost_id AS row_id, CONCAT('cost_status ', cost_status, ' inconsistent with its cost and price') AS violation
FROM genai_costs_daily_unified
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date
  AND ((cost_status = 'priced'
    AND (cost_usd IS NULL OR pricing_id IS NULL OR (unit_price IS NULL AND charge_category != 'Credit')))
    OR (cost_status = 'unpriced' AND (cost_usd IS NOT NULL OR billed_cost_usd IS NOT NULL OR unpriced_reason IS NULL))
    OR (cost_status = 'committed' AND (cost_usd != 0 OR commitment_type IS NULL))
    OR (cost_status = 'provider_reported' AND (cost_usd IS NULL OR pricing_id IS NOT NULL OR unpriced_reason IS NULL))
    OR cost_status NOT IN ('priced', 'unpriced', 'committed', 'provider_reported'))
