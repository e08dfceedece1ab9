-- One priced row per request of a per-request grain (p_source 'events': usage events, usage_id = the
-- event_key; 'invocations': Bedrock invocation log records, usage_id = the record_id), for
-- [p_start_date, p_end_date): the token categories genai_costs_engine_payg priced, summed. A request is
-- unpriced (NULL cost, with every reason) when any of its categories is, never 0 for an unknown model;
-- committed when provisioned capacity served it ($0 here: the commitment carries the money). A request
-- with no tokens at all has no row (the engine prices only quantities above 0): callers report it as
-- 'no_usage' at $0. Read by sp_genai_4a (events) and sp_genai_4d (invocation logs).
CREATE OR REPLACE TABLE FUNCTION genai_request_costs(p_org_slug STRING, p_source STRING, p_start_date DATE, p_end_date DATE) AS
SELECT
  usage_id,
  IF(COUNTIF(cost_status = 'unpriced') > 0, NULL, SUM(cost_usd)) AS cost_usd,
  IF(COUNTIF(cost_status = 'unpriced') > 0, NULL, MAX(pricing_id)) AS pricing_id,
  IF(COUNTIF(cost_status = 'unpriced') > 0, NULL, MAX(price_match)) AS price_match,
  CASE
    WHEN COUNTIF(cost_status = 'unpriced') > 0 THEN 'unpriced'
    WHEN COUNTIF(cost_status = 'priced') > 0 THEN 'priced'
    ELSE 'committed'
  END AS cost_status,
  IF(COUNTIF(cost_status = 'unpriced') > 0, STRING_AGG(DISTINCT unpriced_reason, '; ' ORDER BY unpriced_reason), NULL)
    AS unpriced_reason
FROM genai_costs_engine_payg(p_org_slug, p_source, p_start_date, p_end_date)
GROUP BY usage_id;
