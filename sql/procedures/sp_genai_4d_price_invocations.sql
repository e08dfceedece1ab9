-- Bedrock model invocation log records priced for the log days [p_start_date, p_end_date): one row per
-- genai_invocations_aws_bedrock_requests row into genai_invocation_costs, replacing exactly that window.
-- The price comes from genai_costs_engine_payg with p_source 'invocations': the engine that prices the
-- usage events (sp_genai_4a) and the bill (sp_genai_2), so a request's logged cost and its event's
-- estimate differ only by the tokens, never by how they were priced. A record is unpriced (NULL cost, with
-- the reason) when any of its token categories is; never 0 for an unknown model.
CREATE OR REPLACE PROCEDURE sp_genai_4d_price_invocations(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_invocation_costs
  WHERE usage_date >= p_start_date AND usage_date < p_end_date;

  INSERT INTO genai_invocation_costs (
    usage_date, org_slug, record_id, request_id, occurred_at, provider, model, region, identity_arn, input_tokens,
    output_tokens, computed_cost_usd, pricing_id, price_match, cost_status, unpriced_reason, consolidated_at
  )
  WITH per_record AS (
    SELECT
      usage_id AS record_id,
      COUNTIF(cost_status = 'unpriced') AS unpriced_categories,
      COUNTIF(cost_status = 'priced') AS priced_categories,
      SUM(cost_usd) AS cost_usd,
      MAX(pricing_id) AS pricing_id,
      MAX(price_match) AS price_match,
      STRING_AGG(DISTINCT unpriced_reason, '; ' ORDER BY unpriced_reason) AS unpriced_reason
    FROM genai_costs_engine_payg(p_org_slug, 'invocations', p_start_date, p_end_date)
    GROUP BY usage_id
  )
  SELECT
    r.usage_date, r.org_slug, r.record_id, r.request_id, r.occurred_at, r.provider, r.model, r.region, r.identity_arn,
    r.input_uncached_tokens + r.input_cached_tokens + r.cache_write_5m_tokens + r.cache_write_1h_tokens AS input_tokens,
    r.output_tokens,
    CASE
      WHEN c.record_id IS NULL THEN CAST(0 AS NUMERIC)
      WHEN c.unpriced_categories > 0 THEN NULL
      ELSE c.cost_usd
    END AS computed_cost_usd,
    IF(c.unpriced_categories > 0, NULL, c.pricing_id) AS pricing_id,
    IF(c.unpriced_categories > 0, NULL, c.price_match) AS price_match,
    CASE
      WHEN c.record_id IS NULL THEN 'no_usage'
      WHEN c.unpriced_categories > 0 THEN 'unpriced'
      WHEN c.priced_categories > 0 THEN 'priced'
      ELSE 'committed'
    END AS cost_status,
    IF(c.unpriced_categories > 0, c.unpriced_reason, NULL) AS unpriced_reason,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM genai_invocations_aws_bedrock_requests AS r
  LEFT JOIN per_record AS c ON c.record_id = r.record_id
  WHERE r.usage_date >= p_start_date AND r.usage_date < p_end_date AND r.org_slug = p_org_slug;
END;
