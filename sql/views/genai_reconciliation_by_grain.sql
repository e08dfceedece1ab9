-- The applications' own per-request usage events reconciled against the provider's data at the
-- finest grain the provider offers (governance.md section 4), last 35 days. One row per compared unit:
--   tokens:  OpenAI and Anthropic usage buckets per (api key, model, tier, bucket) at the width the
--            usage flow ingested (1m, 1h or 1d; the grain column says which). Neither provider keeps a
--            request id, so this replaces "match by request id" with an honest bucket comparison.
--   dollars: provider cost per (day, project or workspace, model) with the line items it sums; providers
--            whose cost lines name no model reconcile per (day, project).
--   request: AWS Bedrock, the one provider with a per-request record: each usage event carrying a Bedrock
--            request id against the model invocation log record of that requestId
--            (genai_invocations_aws_bedrock_requests), tokens per request, the event's estimate
--            (genai_usage_event_costs) against the log's tokens priced by the same engine
--            (genai_invocation_costs). Only once the organization has invocation logs (a run of the
--            invocations flow, or records): without logging, Bedrock has no request grain.
-- Both sides of a row are valued with the same unit prices (those consolidation applied that day to that
-- model, tier and token type), so the dollar gap of a token row comes only from the token gap.
-- status: pending (the bucket or day is inside the source's lag window or not yet ingested; a request
-- with a record on one side only while it is less than an hour old or past what the invocations flow
-- has read; a request found on both sides is decided at once), not found
-- (provider usage with no event: traffic outside the applications, or lost events; or events with no
-- provider usage), matched (within 5 % or $0.05), discrepancy.
CREATE OR REPLACE VIEW genai_reconciliation_by_grain AS
WITH unit_prices AS (
  SELECT provider, usage_date, model, IFNULL(service_tier, 'default') AS tier, IFNULL(is_batch, FALSE) AS is_batch,
    token_type, MAX(unit_price) AS unit_price
  FROM genai_costs_daily_unified
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 35 DAY)
    AND flow = 'payg' AND cost_status = 'priced' AND consumed_unit = 'Tokens'
  GROUP BY 1, 2, 3, 4, 5, 6
),
coverage AS (
  -- The end of what the usage and cost flows have fetched: later buckets are not missing, just not yet
  -- read. A provider with no successful run recorded (data loaded by hand) is taken as fully covered.
  SELECT provider, TIMESTAMP(DATE_ADD(complete_through, INTERVAL 1 DAY)) AS covered_until
  FROM genai_source_freshness
  WHERE flow = 'payg'
),
widths AS (
  SELECT provider, MIN(bucket_width) AS bucket_width
  FROM genai_payg_usage_all
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 35 DAY) AND provider IN ('openai', 'anthropic')
  GROUP BY provider
),
events AS (
  SELECT e.provider, e.event_date AS usage_date, e.occurred_at, e.model, IFNULL(e.service_tier, 'default') AS tier,
    IFNULL(e.is_batch, FALSE) AS is_batch, e.api_key_id, IFNULL(e.project_id, '') AS project_id,
    e.input_uncached_tokens, e.input_cached_tokens, e.cache_write_5m_tokens, e.cache_write_1h_tokens,
    e.input_audio_tokens, e.output_tokens, e.output_audio_tokens
  FROM genai_usage_events AS e
  WHERE e.event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 35 DAY)
),
usage AS (
  SELECT provider, usage_date, bucket_start, bucket_width, model, IFNULL(service_tier, 'default') AS tier,
    IFNULL(is_batch, FALSE) AS is_batch, api_key_id, IFNULL(project_id, '') AS project_id,
    input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
    input_audio_tokens, output_tokens, output_audio_tokens
  FROM genai_payg_usage_all
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 35 DAY) AND provider IN ('openai', 'anthropic')
),
-- Both sides' quantities, one row per event or usage row and token type: the events ('estimate', at
-- their instant) and the providers' usage buckets ('provider', at the bucket start, in its own width).
side_tokens AS (
  SELECT s.side, s.provider, s.usage_date, s.seen_at, s.bucket_width, s.api_key_id, s.project_id, s.model, s.tier,
    s.is_batch, t.token_type, t.tokens
  FROM (
    SELECT 'estimate' AS side, provider, usage_date, occurred_at AS seen_at, CAST(NULL AS STRING) AS bucket_width,
      api_key_id, project_id, model, tier, is_batch, input_uncached_tokens, input_cached_tokens,
      cache_write_5m_tokens, cache_write_1h_tokens, input_audio_tokens, output_tokens, output_audio_tokens
    FROM events
    UNION ALL
    SELECT 'provider' AS side, provider, usage_date, bucket_start AS seen_at, bucket_width, api_key_id, project_id,
      model, tier, is_batch, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens,
      cache_write_1h_tokens, input_audio_tokens, output_tokens, output_audio_tokens
    FROM usage
  ) AS s
  CROSS JOIN UNNEST([
    STRUCT('input' AS token_type, s.input_uncached_tokens AS tokens),
    STRUCT('cached_input', s.input_cached_tokens),
    STRUCT('cache_write_5m', s.cache_write_5m_tokens),
    STRUCT('cache_write_1h', s.cache_write_1h_tokens),
    STRUCT('audio_input', s.input_audio_tokens),
    STRUCT('output', s.output_tokens),
    STRUCT('audio_output', s.output_audio_tokens)
  ]) AS t
  WHERE IFNULL(t.tokens, 0) != 0
),
-- Token buckets of OpenAI and Anthropic: events cut to the width the usage flow ingested, both sides
-- valued at the day's unit prices.
token_side AS (
  SELECT b.provider, b.usage_date, b.api_key_id, b.model, b.tier, b.is_batch, b.bucket_width, b.bucket_start,
    SUM(b.tokens) AS tokens,
    SUM(ROUND(b.tokens * p.unit_price * CAST('0.000001' AS NUMERIC), 9)) AS usd,
    COUNTIF(p.unit_price IS NULL) AS unpriced_types,
    b.side
  FROM (
    SELECT s.side, s.provider, s.usage_date, s.api_key_id, s.model, s.tier, s.is_batch, s.token_type, s.tokens,
      IF(s.side = 'provider', s.bucket_width, w.bucket_width) AS bucket_width,
      CASE
        WHEN s.side = 'provider' THEN s.seen_at
        WHEN w.bucket_width = '1m' THEN TIMESTAMP_TRUNC(s.seen_at, MINUTE)
        WHEN w.bucket_width = '1h' THEN TIMESTAMP_TRUNC(s.seen_at, HOUR)
        ELSE TIMESTAMP_TRUNC(s.seen_at, DAY)
      END AS bucket_start
    FROM side_tokens AS s
    JOIN widths AS w ON w.provider = s.provider
  ) AS b
  LEFT JOIN unit_prices AS p
    ON p.provider = b.provider AND p.usage_date = b.usage_date AND p.model = b.model AND p.tier = b.tier
    AND p.is_batch = b.is_batch AND p.token_type = b.token_type
  GROUP BY b.provider, b.usage_date, b.api_key_id, b.model, b.tier, b.is_batch, b.bucket_width, b.bucket_start,
    b.side
),
token_rows AS (
  SELECT provider, usage_date, bucket_start, bucket_width, api_key_id, CAST(NULL AS STRING) AS project_id, model,
    CONCAT('api key x model x ', bucket_width, ' bucket (tokens)') AS grain,
    CAST(NULL AS STRING) AS line_items, CAST(NULL AS STRING) AS request_id,
    SUM(IF(side = 'estimate', tokens, 0)) AS estimated_tokens,
    SUM(IF(side = 'provider', tokens, 0)) AS actual_tokens,
    SUM(IF(side = 'estimate', usd, 0)) AS estimated_usd,
    SUM(IF(side = 'provider', usd, 0)) AS actual_usd,
    LOGICAL_OR(side = 'estimate') AS has_estimate,
    LOGICAL_OR(side = 'provider') AS has_actual,
    SUM(unpriced_types) > 0 AS has_unpriced,
    FALSE AS provider_estimated,
    TIMESTAMP_ADD(bucket_start, INTERVAL CASE bucket_width WHEN '1m' THEN 1 WHEN '1h' THEN 60 ELSE 1440 END MINUTE)
      AS bucket_end
  FROM token_side
  GROUP BY provider, usage_date, bucket_start, bucket_width, api_key_id, model
),
event_day_usd AS (
  SELECT s.provider, s.usage_date, s.project_id, s.model,
    SUM(ROUND(s.tokens * p.unit_price * CAST('0.000001' AS NUMERIC), 9)) AS usd, COUNTIF(p.unit_price IS NULL) AS unpriced_types
  FROM side_tokens AS s
  LEFT JOIN unit_prices AS p
    ON p.provider = s.provider AND p.usage_date = s.usage_date AND p.model = s.model AND p.tier = s.tier
    AND p.is_batch = s.is_batch AND p.token_type = s.token_type
  WHERE s.side = 'estimate'
  GROUP BY 1, 2, 3, 4
),
request_coverage AS (
  -- The end of what the invocations flow has read; NULL when it never ran (records loaded by hand).
  SELECT MAX(TIMESTAMP(window_end)) AS covered_until, COUNT(*) AS runs
  FROM genai_ingestion_runs
  WHERE event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 400 DAY)
    AND flow = 'invocations' AND provider = 'aws_bedrock' AND status = 'succeeded'
),
request_events AS (
  SELECT e.request_id, e.occurred_at, e.model, e.project_id,
    e.input_uncached_tokens + e.input_cached_tokens + e.cache_write_5m_tokens + e.cache_write_1h_tokens
      + e.input_audio_tokens + e.output_tokens + e.output_audio_tokens AS tokens,
    c.estimated_cost_usd AS usd, c.cost_status
  FROM genai_usage_events AS e
  LEFT JOIN (
    SELECT event_key, event_date, estimated_cost_usd, cost_status
    FROM genai_usage_event_costs
    WHERE event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 35 DAY)
  ) AS c ON c.event_key = e.event_key AND c.event_date = e.event_date
  WHERE e.event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 35 DAY)
    AND e.provider = 'aws_bedrock' AND e.request_id IS NOT NULL
  -- One event per request (two sources reporting one call would be counted once here).
  QUALIFY ROW_NUMBER() OVER (PARTITION BY e.request_id ORDER BY e.occurred_at, e.event_key) = 1
),
request_logs AS (
  SELECT r.request_id, r.occurred_at, r.model, r.account_id,
    r.input_uncached_tokens + r.input_cached_tokens + r.cache_write_5m_tokens + r.cache_write_1h_tokens
      + r.output_tokens AS tokens,
    c.computed_cost_usd AS usd, c.cost_status
  FROM genai_invocations_aws_bedrock_requests AS r
  LEFT JOIN (
    SELECT record_id, usage_date, computed_cost_usd, cost_status
    FROM genai_invocation_costs
    WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 36 DAY)
  ) AS c ON c.record_id = r.record_id AND c.usage_date = r.usage_date
  WHERE r.usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 36 DAY)
),
request_rows AS (
  SELECT
    'aws_bedrock' AS provider,
    DATE(COALESCE(e.occurred_at, l.occurred_at)) AS usage_date,
    COALESCE(e.occurred_at, l.occurred_at) AS bucket_start,
    CAST(NULL AS STRING) AS bucket_width,
    CAST(NULL AS STRING) AS api_key_id,
    COALESCE(l.account_id, e.project_id) AS project_id,
    COALESCE(l.model, e.model) AS model,
    'request' AS grain,
    CAST(NULL AS STRING) AS line_items,
    COALESCE(e.request_id, l.request_id) AS request_id,
    CAST(IFNULL(e.tokens, 0) AS NUMERIC) AS estimated_tokens,
    CAST(IFNULL(l.tokens, 0) AS NUMERIC) AS actual_tokens,
    CAST(IFNULL(e.usd, 0) AS NUMERIC) AS estimated_usd,
    CAST(IFNULL(l.usd, 0) AS NUMERIC) AS actual_usd,
    e.request_id IS NOT NULL AS has_estimate,
    l.request_id IS NOT NULL AS has_actual,
    IFNULL(e.cost_status = 'unpriced', FALSE) OR IFNULL(l.cost_status = 'unpriced', FALSE)
      -- a side not priced yet (consolidation has not run over it): its dollars are unknown too
      OR (e.request_id IS NOT NULL AND e.cost_status IS NULL) OR (l.request_id IS NOT NULL AND l.cost_status IS NULL)
      AS has_unpriced,
    FALSE AS provider_estimated,
    -- The log's lag window: a one-sided request is pending for an hour after it happened.
    COALESCE(e.occurred_at, l.occurred_at) AS bucket_end
  FROM request_events AS e
  FULL OUTER JOIN request_logs AS l ON l.request_id = e.request_id
  WHERE DATE(COALESCE(e.occurred_at, l.occurred_at)) >= DATE_SUB(CURRENT_DATE(), INTERVAL 35 DAY)
    AND ((SELECT runs FROM request_coverage) > 0 OR EXISTS (SELECT 1 FROM request_logs))
),
cost_lines AS (
  SELECT provider, usage_date, IFNULL(project_id, '') AS project_id, model, line_item, amount, is_estimated
  FROM genai_payg_costs_all
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 35 DAY)
),
itemized AS (
  SELECT provider, LOGICAL_AND(model IS NOT NULL) AS by_model FROM cost_lines GROUP BY provider
),
estimate_day AS (
  SELECT d.provider, d.usage_date, d.project_id, IF(IFNULL(i.by_model, TRUE), d.model, NULL) AS model,
    SUM(d.usd) AS usd, SUM(d.unpriced_types) AS unpriced_types
  FROM event_day_usd AS d
  LEFT JOIN itemized AS i ON i.provider = d.provider
  GROUP BY 1, 2, 3, 4
),
actual_day AS (
  SELECT l.provider, l.usage_date, l.project_id, IF(i.by_model, l.model, NULL) AS model,
    SUM(l.amount) AS usd, STRING_AGG(DISTINCT l.line_item ORDER BY l.line_item) AS line_items,
    LOGICAL_OR(l.is_estimated) AS is_estimated
  FROM cost_lines AS l
  JOIN itemized AS i ON i.provider = l.provider
  -- Only scopes the applications report on: a project no event names is outside their reach, not lost.
  WHERE l.provider IN (SELECT DISTINCT provider FROM events)
  GROUP BY 1, 2, 3, 4
),
dollar_rows AS (
  SELECT
    COALESCE(e.provider, a.provider) AS provider,
    COALESCE(e.usage_date, a.usage_date) AS usage_date,
    TIMESTAMP(COALESCE(e.usage_date, a.usage_date)) AS bucket_start,
    '1d' AS bucket_width,
    CAST(NULL AS STRING) AS api_key_id,
    NULLIF(COALESCE(e.project_id, a.project_id), '') AS project_id,
    COALESCE(e.model, a.model) AS model,
    IF(COALESCE(e.model, a.model) IS NULL, 'day x project x line items (dollars)',
      'day x project x model line items (dollars)') AS grain,
    a.line_items,
    CAST(NULL AS STRING) AS request_id,
    CAST(NULL AS NUMERIC) AS estimated_tokens,
    CAST(NULL AS NUMERIC) AS actual_tokens,
    IFNULL(e.usd, 0) AS estimated_usd,
    IFNULL(a.usd, 0) AS actual_usd,
    e.provider IS NOT NULL AS has_estimate,
    a.provider IS NOT NULL AS has_actual,
    IFNULL(e.unpriced_types, 0) > 0 AS has_unpriced,
    IFNULL(a.is_estimated, FALSE) AS provider_estimated,
    TIMESTAMP(DATE_ADD(COALESCE(e.usage_date, a.usage_date), INTERVAL 1 DAY)) AS bucket_end
  FROM estimate_day AS e
  FULL OUTER JOIN actual_day AS a
    ON a.provider = e.provider AND a.usage_date = e.usage_date AND a.project_id = e.project_id
    AND IFNULL(a.model, '') = IFNULL(e.model, '')
),
compared AS (
  SELECT provider, usage_date, bucket_start, bucket_width, api_key_id, project_id, model, grain, line_items,
    request_id, CAST(estimated_tokens AS NUMERIC) AS estimated_tokens, CAST(actual_tokens AS NUMERIC) AS actual_tokens,
    CAST(estimated_usd AS NUMERIC) AS estimated_usd, CAST(actual_usd AS NUMERIC) AS actual_usd,
    has_estimate, has_actual, has_unpriced, provider_estimated, bucket_end
  FROM token_rows
  UNION ALL
  SELECT provider, usage_date, bucket_start, bucket_width, api_key_id, project_id, model, grain, line_items,
    request_id, estimated_tokens, actual_tokens, CAST(estimated_usd AS NUMERIC), CAST(actual_usd AS NUMERIC),
    has_estimate, has_actual, has_unpriced, provider_estimated, bucket_end
  FROM dollar_rows
  UNION ALL
  SELECT provider, usage_date, bucket_start, bucket_width, api_key_id, project_id, model, grain, line_items,
    request_id, estimated_tokens, actual_tokens, estimated_usd, actual_usd,
    has_estimate, has_actual, has_unpriced, provider_estimated, bucket_end
  FROM request_rows
)
SELECT
  c.provider,
  c.usage_date,
  c.grain,
  c.bucket_start,
  c.bucket_width,
  c.api_key_id,
  c.project_id,
  c.model,
  c.line_items,
  c.request_id,
  c.estimated_tokens,
  c.actual_tokens,
  -- Unpriced: the dollars are unknown (NULL), never $0; the tokens still compare.
  IF(c.has_unpriced, NULL, ROUND(c.estimated_usd, 9)) AS estimated_usd,
  IF(c.has_unpriced, NULL, ROUND(c.actual_usd, 9)) AS actual_usd,
  IF(c.has_unpriced, NULL, ROUND(c.actual_usd - c.estimated_usd, 9)) AS difference_usd,
  IF(c.has_unpriced, NULL, ROUND(SAFE_DIVIDE(c.actual_usd - c.estimated_usd, c.estimated_usd) * 100, 2))
    AS difference_pct,
  CASE
    -- Usage buckets: the last hour is still filling (provider-apis.md: usage lags by minutes); cost days
    -- trail by up to two days. Anything past what the flow has fetched is pending, not missing.
    -- A request found on both sides is final: the log record and the event no longer change.
    WHEN NOT (c.grain = 'request' AND c.has_estimate AND c.has_actual) AND (
      c.bucket_end > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL IF(c.bucket_width = '1d', 48, 1) HOUR)
      OR c.provider_estimated
      OR c.bucket_start >= IFNULL(IF(c.grain = 'request', q.covered_until, v.covered_until),
        TIMESTAMP '9999-12-31 00:00:00+00')) THEN 'pending'
    WHEN NOT c.has_estimate OR NOT c.has_actual THEN 'not found'
    -- Without a price for every token type the dollars are incomplete: compare the tokens (5 %) instead.
    WHEN c.has_unpriced AND c.estimated_tokens IS NOT NULL THEN
      IF(ABS(c.actual_tokens - c.estimated_tokens) <= 0.05 * c.estimated_tokens, 'matched', 'discrepancy')
    WHEN c.has_unpriced THEN 'discrepancy'
    WHEN ABS(c.actual_usd - c.estimated_usd) <= 0.05
      OR ABS(c.actual_usd - c.estimated_usd) <= 0.05 * ABS(c.estimated_usd) THEN 'matched'
    ELSE 'discrepancy'
  END AS status,
  CASE
    WHEN c.provider_estimated THEN 'late data'
    WHEN c.has_unpriced THEN 'unpriced'
    WHEN c.grain = 'request' AND NOT c.has_estimate THEN 'no event: called outside the applications, or event lost'
    WHEN c.grain = 'request' AND NOT c.has_actual THEN 'no invocation log record for the request'
    WHEN c.grain = 'request' AND c.estimated_tokens < c.actual_tokens THEN 'event reports fewer tokens than the log'
    WHEN c.grain = 'request' AND c.estimated_tokens > c.actual_tokens THEN 'event reports more tokens than the log'
    WHEN c.grain = 'request' AND c.estimated_usd != c.actual_usd THEN 'price, tier or region difference'
    WHEN NOT c.has_estimate THEN 'no event: traffic outside the applications, or events lost'
    WHEN NOT c.has_actual THEN 'no provider usage for the events'
    WHEN c.estimated_tokens IS NOT NULL AND c.estimated_tokens < c.actual_tokens THEN 'events missing from the bucket'
    WHEN c.estimated_tokens IS NOT NULL AND c.estimated_tokens > c.actual_tokens THEN 'events counted twice or late'
    WHEN ENDS_WITH(c.grain, '(dollars)') THEN 'price, tier or cache difference'
  END AS cause
FROM compared AS c
LEFT JOIN coverage AS v ON v.provider = c.provider
CROSS JOIN request_coverage AS q
