-- The first and last day of usage a price row can price or has priced: days in [p_start_date,
-- p_end_date) (the row's validity, up to today) with unified rows of its provider whose reported model
-- contains its model id (every id resolution rule keeps the catalog id inside the reported one), or
-- that it priced. A price correction re-prices (open months) or corrects (closed months) these days.
-- @p_org_slug STRING
-- @p_provider STRING
-- @p_model_id STRING
-- @p_pricing_id STRING
SELECT MIN(usage_date) AS first_day, MAX(usage_date) AS last_day
FROM genai_costs_daily_unified
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND org_slug = @p_org_slug
  AND provider = @p_provider AND flow = 'payg'
  AND (pricing_id = @p_pricing_id OR STRPOS(IFNULL(model, ''), IFNULL(@p_model_id, '')) > 0)
