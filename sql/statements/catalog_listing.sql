-- The price catalog as users read it: USD per 1M tokens, one row per effective price.
SELECT
  provider,
  model_id,
  region,
  service_tier,
  input_price_per_1k * 1000 AS input_per_1m_usd,
  output_price_per_1k * 1000 AS output_per_1m_usd,
  cached_input_price_per_1k * 1000 AS cached_input_per_1m_usd,
  effective_date,
  end_date,
  is_custom
FROM llm_model_pricing
ORDER BY provider, model_id, region, service_tier, effective_date
