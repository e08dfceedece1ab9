-- Correction rows of the organization's usage days in [p_start_date, p_end_date).
-- @p_org_slug STRING
SELECT COUNT(*) AS n
FROM genai_cost_corrections
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND org_slug = @p_org_slug
