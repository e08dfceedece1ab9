-- Per-request usage events priced for the event days [p_events_start_date, p_end_date): one row per
-- genai_usage_events row into genai_usage_event_costs, replacing exactly that window. The price comes from
-- genai_costs_engine_payg with p_source 'events': the very engine that computes the bill's cost in sp_genai_2
-- (same price row choice, rates, batch and long-context rules, free tiers). An event is unpriced (NULL
-- estimate, with the reason) when any of its token categories is; never 0 for an unknown model.
CREATE OR REPLACE PROCEDURE sp_genai_4a_price_usage_events(p_org_slug STRING, p_events_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_usage_event_costs
  WHERE event_date >= p_events_start_date AND event_date < p_end_date;

  INSERT INTO genai_usage_event_costs (
    event_date, org_slug, event_key, event_id, source, occurred_at, provider, model, api_key_id, project_id,
    tenant_id, user_id, service, workflow_id, feature, environment, status, input_tokens, output_tokens,
    estimated_cost_usd, pricing_id, price_match, cost_status, unpriced_reason, consolidated_at
  )
  WITH per_event AS (
    SELECT
      usage_id AS event_key,
      COUNTIF(cost_status = 'unpriced') AS unpriced_categories,
      COUNTIF(cost_status = 'priced') AS priced_categories,
      SUM(cost_usd) AS cost_usd,
      MAX(pricing_id) AS pricing_id,
      MAX(price_match) AS price_match,
      STRING_AGG(DISTINCT unpriced_reason, '; ' ORDER BY unpriced_reason) AS unpriced_reason
    FROM genai_costs_engine_payg(p_org_slug, 'events', p_events_start_date, p_end_date)
    GROUP BY usage_id
  )
  SELECT
    e.event_date, e.org_slug, e.event_key, e.event_id, e.source, e.occurred_at, e.provider, e.model, e.api_key_id,
    e.project_id, e.tenant_id, e.user_id, e.service, e.workflow_id, e.feature, e.environment, e.status,
    e.input_uncached_tokens + e.input_cached_tokens + e.cache_write_5m_tokens + e.cache_write_1h_tokens
      + e.input_audio_tokens AS input_tokens,
    e.output_tokens + e.output_audio_tokens AS output_tokens,
    CASE
      WHEN c.event_key IS NULL THEN CAST(0 AS NUMERIC)
      WHEN c.unpriced_categories > 0 THEN NULL
      ELSE c.cost_usd
    END AS estimated_cost_usd,
    IF(c.unpriced_categories > 0, NULL, c.pricing_id) AS pricing_id,
    IF(c.unpriced_categories > 0, NULL, c.price_match) AS price_match,
    CASE
      WHEN c.event_key IS NULL THEN 'no_usage'
      WHEN c.unpriced_categories > 0 THEN 'unpriced'
      WHEN c.priced_categories > 0 THEN 'priced'
      ELSE 'committed'
    END AS cost_status,
    IF(c.unpriced_categories > 0, c.unpriced_reason, NULL) AS unpriced_reason,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM genai_usage_events AS e
  LEFT JOIN per_event AS c ON c.event_key = e.event_key
  WHERE e.event_date >= p_events_start_date AND e.event_date < p_end_date AND e.org_slug = p_org_slug;
END;
