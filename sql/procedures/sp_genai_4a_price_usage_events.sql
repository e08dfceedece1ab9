-- Per-request usage events priced for the event days [p_events_start_date, p_end_date): one row per
-- genai_usage_events row into genai_usage_event_costs, replacing exactly that window. The price comes from
-- genai_costs_engine_payg with p_source 'events': the very engine that computes the bill's cost in sp_genai_2
-- (same price row choice, rates, batch and long-context rules, free tiers), summed per event by
-- genai_request_costs. An event is unpriced (NULL estimate, with the reason) when any of its token
-- categories is; never 0 for an unknown model. An event without any tokens costs 0 ('no_usage').
CREATE OR REPLACE PROCEDURE sp_genai_4a_price_usage_events(p_org_slug STRING, p_events_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_usage_event_costs
  WHERE event_date >= p_events_start_date AND event_date < p_end_date;

  INSERT INTO genai_usage_event_costs (
    event_date, org_slug, event_key, event_id, source, occurred_at, provider, model, api_key_id, project_id,
    tenant_id, user_id, service, workflow_id, feature, environment, status, input_tokens, output_tokens,
    estimated_cost_usd, pricing_id, price_match, cost_status, unpriced_reason, consolidated_at
  )
  SELECT
    e.event_date, e.org_slug, e.event_key, e.event_id, e.source, e.occurred_at, e.provider, e.model, e.api_key_id,
    e.project_id, e.tenant_id, e.user_id, e.service, e.workflow_id, e.feature, e.environment, e.status,
    e.input_uncached_tokens + e.input_cached_tokens + e.cache_write_5m_tokens + e.cache_write_1h_tokens
      + e.input_audio_tokens AS input_tokens,
    e.output_tokens + e.output_audio_tokens AS output_tokens,
    IF(c.usage_id IS NULL, CAST(0 AS NUMERIC), c.cost_usd) AS estimated_cost_usd,
    c.pricing_id, c.price_match, IFNULL(c.cost_status, 'no_usage') AS cost_status, c.unpriced_reason,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM genai_usage_events AS e
  LEFT JOIN genai_request_costs(p_org_slug, 'events', p_events_start_date, p_end_date) AS c
    ON c.usage_id = e.event_key
  WHERE e.event_date >= p_events_start_date AND e.event_date < p_end_date AND e.org_slug = p_org_slug;
END;
