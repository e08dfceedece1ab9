-- Consolidation of an open window re-prices its rows in place (sp_genai_2 / sp_genai_3, whose FOCUS
-- delete also removes correction rows dated in the window): the window's corrections of a reopened
-- month no longer apply, so their ledger rows go too.
DELETE FROM genai_cost_corrections
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND org_slug = @p_org_slug
