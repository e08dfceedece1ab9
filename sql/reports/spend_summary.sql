-- The spend of a window at a glance: what the providers' own cost data bills, what this platform
-- computed from usage and prices (tokens, commitment purchases, GPU hours; usage a commitment
-- covers computes $0), the usage no price covers (tokens, never booked at $0) and an estimate of the
-- dollars it stands for (the providers' reported cost beyond the computed cost on the provider-days
-- with unpriced usage), the computed dollars that are estimates (a price dimension the source does not
-- report, see genai_costs_daily_unified.estimate_reason), and the commitment capacity paid for but not used.
-- @p_provider STRING
WITH computed AS (
  SELECT
    provider,
    usage_date,
    SUM(IF(cost_status = 'priced', billed_cost_usd, 0)) AS computed_usd,
    -- The providers' own dollars for model-days the catalog cannot price (cost_status provider_reported).
    SUM(IF(cost_status = 'provider_reported', billed_cost_usd, 0)) AS provider_reported_usd,
    -- Computed at the standard rate although the source did not report a dimension that can raise it
    -- (the context-window tier of a model with long-context rates): part of computed_usd, flagged.
    SUM(IF(cost_status = 'priced' AND estimate_reason IS NOT NULL, billed_cost_usd, 0)) AS estimated_usd,
    SUM(IF(cost_status = 'unpriced' AND consumed_unit = 'Tokens', consumed_quantity, 0)) AS unpriced_tokens,
    SUM(IF(consumed_unit = 'Tokens', consumed_quantity, 0)) AS tokens,
    SUM(IF(cost_status = 'priced' AND commitment_status = 'Unused', cost_usd, 0)) AS unused_commitment_usd
  FROM genai_costs_daily_unified
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
  GROUP BY provider, usage_date
),
reported AS (
  SELECT provider, usage_date, SUM(amount) AS reported_usd
  FROM genai_payg_costs_all
  WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND (@p_provider = '' OR provider = @p_provider)
  GROUP BY provider, usage_date
)
SELECT
  SUM(r.reported_usd) AS reported_usd,
  SUM(c.computed_usd) AS computed_usd,
  SUM(c.provider_reported_usd) AS provider_reported_usd,
  SUM(c.estimated_usd) AS estimated_usd,
  SUM(c.unpriced_tokens) AS unpriced_tokens,
  SUM(c.tokens) AS tokens,
  SUM(IF(c.unpriced_tokens > 0,
    GREATEST(IFNULL(r.reported_usd, 0) - c.computed_usd - c.provider_reported_usd, 0), 0)) AS at_risk_usd,
  SUM(c.unused_commitment_usd) AS unused_commitment_usd,
  MIN(COALESCE(c.usage_date, r.usage_date)) AS first_day,
  MAX(COALESCE(c.usage_date, r.usage_date)) AS last_day
FROM computed AS c
FULL OUTER JOIN reported AS r ON r.provider = c.provider AND r.usage_date = c.usage_date
