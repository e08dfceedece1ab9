-- Every row of the price catalog (custom and not, every validity period) for the price sync and the
-- pricing API; the catalog is small (one row per model, region, tier and price period).
-- @p_provider STRING: one provider's rows, or NULL for all.
SELECT *
FROM llm_model_pricing
WHERE @p_provider IS NULL OR provider = @p_provider
ORDER BY provider, model_id, region, service_tier, is_custom, effective_date, pricing_id
