-- Each usage event of the last 90 days with the cost our price catalog gives it: its tokens by type at
-- the unit prices consolidation applied that day to the same provider, model, tier and batch flag (so it
-- traces to the price rows of genai_costs_daily_unified). An event with a token type no price covers is
-- 'unpriced' with a NULL cost, never $0. Feeds the cost estimates from history.
CREATE OR REPLACE VIEW genai_usage_events_priced AS
WITH unit_prices AS (
  SELECT provider, usage_date, model, IFNULL(service_tier, 'default') AS tier, IFNULL(is_batch, FALSE) AS is_batch,
    token_type, MAX(unit_price) AS unit_price
  FROM genai_costs_daily_unified
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY)
    AND flow = 'payg' AND cost_status = 'priced' AND consumed_unit = 'Tokens'
  GROUP BY 1, 2, 3, 4, 5, 6
),
events AS (
  SELECT * FROM genai_usage_events WHERE event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 90 DAY)
),
priced AS (
  SELECT e.event_key,
    SUM(ROUND(t.tokens * p.unit_price * CAST('0.000001' AS NUMERIC), 9)) AS cost_usd,
    COUNTIF(p.unit_price IS NULL) AS unpriced_types
  FROM events AS e
  CROSS JOIN UNNEST([
    STRUCT('input' AS token_type, e.input_uncached_tokens AS tokens),
    STRUCT('cached_input', e.input_cached_tokens),
    STRUCT('cache_write_5m', e.cache_write_5m_tokens),
    STRUCT('cache_write_1h', e.cache_write_1h_tokens),
    STRUCT('audio_input', e.input_audio_tokens),
    STRUCT('output', e.output_tokens),
    STRUCT('audio_output', e.output_audio_tokens)
  ]) AS t
  LEFT JOIN unit_prices AS p
    ON p.provider = e.provider AND p.usage_date = e.event_date AND p.model = e.model
    AND p.tier = IFNULL(e.service_tier, 'default') AND p.is_batch = IFNULL(e.is_batch, FALSE)
    AND p.token_type = t.token_type
  WHERE IFNULL(t.tokens, 0) != 0
  GROUP BY e.event_key
)
SELECT
  e.event_key, e.event_date, e.occurred_at, e.provider, e.model, e.service_tier, e.is_batch, e.api_key_id,
  e.project_id, e.status, e.service, e.feature, e.workflow_id, e.tenant_id,
  e.input_uncached_tokens + e.input_cached_tokens + e.cache_write_5m_tokens + e.cache_write_1h_tokens
    + e.input_audio_tokens AS input_tokens,
  e.output_tokens + e.output_audio_tokens AS output_tokens,
  IF(IFNULL(p.unpriced_types, 0) > 0, NULL, ROUND(IFNULL(p.cost_usd, 0), 9)) AS estimated_cost_usd,
  IF(IFNULL(p.unpriced_types, 0) > 0, 'unpriced', 'priced') AS cost_status
FROM events AS e
LEFT JOIN priced AS p ON p.event_key = e.event_key
