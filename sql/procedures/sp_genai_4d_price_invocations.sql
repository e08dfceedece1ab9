-- Bedrock model invocation log records priced for the log days [p_start_date, p_end_date): one row per
-- genai_invocations_aws_bedrock_requests row into genai_invocation_costs, replacing exactly that window.
-- The price comes from genai_costs_engine_payg with p_source 'invocations': the engine that prices the
-- usage events (sp_genai_4a) and the bill (sp_genai_2), so a request's logged cost and its event's
-- estimate differ only by the tokens, never by how they were priced (summed per record by
-- genai_request_costs). A record is unpriced (NULL cost, with the reason) when any of its token categories
-- is; never 0 for an unknown model.
CREATE OR REPLACE PROCEDURE sp_genai_4d_price_invocations(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_invocation_costs
  WHERE usage_date >= p_start_date AND usage_date < p_end_date;

  INSERT INTO genai_invocation_costs (
    usage_date, org_slug, record_id, request_id, occurred_at, provider, model, region, identity_arn, input_tokens,
    output_tokens, computed_cost_usd, pricing_id, price_match, cost_status, unpriced_reason, consolidated_at
  )
  SELECT
    r.usage_date, r.org_slug, r.record_id, r.request_id, r.occurred_at, r.provider, r.model, r.region, r.identity_arn,
    r.input_uncached_tokens + r.input_cached_tokens + r.cache_write_5m_tokens + r.cache_write_1h_tokens AS input_tokens,
    r.output_tokens,
    IF(c.usage_id IS NULL, CAST(0 AS NUMERIC), c.cost_usd) AS computed_cost_usd,
    c.pricing_id, c.price_match, IFNULL(c.cost_status, 'no_usage') AS cost_status, c.unpriced_reason,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM genai_invocations_aws_bedrock_requests AS r
  LEFT JOIN genai_request_costs(p_org_slug, 'invocations', p_start_date, p_end_date) AS c
    ON c.usage_id = r.record_id
  WHERE r.usage_date >= p_start_date AND r.usage_date < p_end_date AND r.org_slug = p_org_slug;
END;
