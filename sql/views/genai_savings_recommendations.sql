-- Savings recommendations from the organization's own billed usage, in dollars per month (30 days), each
-- with its evidence window (the last 30 full days: the first and last day with evidence, evidence_days =
-- the days between them, inclusive) and the figures behind it (`evidence`). Five types:
--   commitment_right_sizing   PTU / provisioned throughput / GSU used below 80 % (genai_commitment_utilization):
--                             the unused cost (an upper bound: a cut must still cover the busiest hour).
--   cheaper_model_same_class  billed standard-tier tokens (genai_costs_daily_unified) repriced at the cheapest
--                             model of the same provider and capability class (genai_model_classes) released
--                             on or after the current one, at its current list price.
--   same_model_other_provider the same tokens repriced at the cheapest current price of the same model
--                             (genai_model_classes.model_family) sold by another provider.
--   batch_eligible            standard-tier calls (genai_usage_events + genai_usage_event_costs) of a service and
--                             feature that tolerates batch latency (rule at batch_users below): their
--                             uncached input and output repriced at the batch rates of the price row that priced
--                             them (no batch rate in the catalog: no recommendation).
--   cache_opportunity         a service and feature sending >= 10 priced calls of >= 1,024 uncached input tokens
--                             (the providers' minimum cacheable prompt) with < 10 % of their input read from the
--                             cache: the shortest such prompt is taken as the shared prefix; a call within 5
--                             minutes of the previous one (the cache's lifetime) reads it at the cache-read rate,
--                             any other call writes it at the cache-write rate (input rate when there is none).
-- Only priced usage takes part: unpriced usage (NULL cost) never produces dollars. A rate the catalog lacks
-- makes the alternative unpriced, and it is not proposed. Savings = (evidence cost - alternative cost)
-- x 30 / evidence_days, NUMERIC, rounded to cents; only positive savings are listed.
CREATE OR REPLACE VIEW genai_savings_recommendations AS
WITH commitment_evidence AS (
  SELECT
    provider,
    commitment_type,
    commitment_id,
    ANY_VALUE(commitment_name) AS commitment_name,
    ANY_VALUE(model) AS model,
    MIN(usage_date) AS evidence_start,
    MAX(usage_date) AS evidence_end,
    COUNT(DISTINCT usage_date) AS evidence_days,
    SUM(provisioned_unit_hours) AS provisioned_unit_hours,
    SUM(used_unit_hours) AS used_unit_hours,
    SUM(commitment_cost_usd) AS commitment_cost_usd,
    SUM(wasted_cost_usd) AS wasted_cost_usd
  FROM genai_commitment_utilization
  WHERE usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) AND usage_date < CURRENT_DATE()
  GROUP BY provider, commitment_type, commitment_id
),
-- The price each model is sold at today: enabled default-tier rows valid today, the organization's own row
-- (is_custom) before the seed's, the latest first; one per (provider, model_id, region).
current_prices AS (
  SELECT * EXCEPT (row_rank)
  FROM (
    SELECT
      provider, model_id, region, pricing_id, input_price_per_1k, output_price_per_1k, cached_input_price_per_1k,
      cache_write_5m_price_per_1k, cache_write_1h_price_per_1k, audio_input_price_per_1k, audio_output_price_per_1k,
      ROW_NUMBER() OVER (
        PARTITION BY provider, model_id, IFNULL(region, '')
        ORDER BY IFNULL(is_custom, FALSE) DESC, effective_date DESC, pricing_id
      ) AS row_rank
    FROM llm_model_pricing
    WHERE IFNULL(is_enabled, TRUE) AND service_tier IS NULL AND effective_date <= CURRENT_DATE()
      AND (end_date IS NULL OR end_date >= CURRENT_DATE())
      AND input_price_per_1k IS NOT NULL AND output_price_per_1k IS NOT NULL
  )
  WHERE row_rank = 1
),
-- Billed standard-rate tokens of the window per catalog model (the price row's model id), region and type.
billed AS (
  SELECT u.provider, p.model_id, IFNULL(u.region, '') AS region, u.token_type,
    MIN(u.usage_date) AS evidence_start, MAX(u.usage_date) AS evidence_end,
    SUM(u.billable_quantity) AS tokens, SUM(u.cost_usd) AS cost_usd
  FROM genai_costs_daily_unified AS u
  JOIN llm_model_pricing AS p ON p.pricing_id = u.pricing_id
  WHERE u.usage_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) AND u.usage_date < CURRENT_DATE()
    AND u.flow = 'payg' AND u.cost_status = 'priced' AND u.consumed_unit = 'Tokens'
    -- Standard rates of the default tier only: priority, flex, batch and long-context usage is not repriced.
    AND p.service_tier IS NULL AND NOT IFNULL(u.is_batch, FALSE)
    AND u.price_rule IN ('standard', 'cache_read', 'cache_read_at_input_rate', 'cache_write_5m', 'cache_write_1h', 'audio')
  GROUP BY u.provider, p.model_id, IFNULL(u.region, ''), u.token_type
),
billed_totals AS (
  SELECT provider, model_id, region, MIN(evidence_start) AS evidence_start, MAX(evidence_end) AS evidence_end,
    SUM(tokens) AS tokens, SUM(cost_usd) AS cost_usd
  FROM billed
  GROUP BY provider, model_id, region
),
alternatives AS (
  SELECT 'cheaper_model_same_class' AS recommendation_type, c.provider, c.model_id, a.provider AS alt_provider,
    a.model_id AS alt_model, c.capability_class AS basis
  FROM genai_model_classes AS c
  JOIN genai_model_classes AS a
    ON a.provider = c.provider AND a.capability_class = c.capability_class AND a.model_id != c.model_id
    AND a.released >= c.released
  UNION ALL
  SELECT 'same_model_other_provider', c.provider, c.model_id, a.provider, a.model_id, c.model_family
  FROM genai_model_classes AS c
  JOIN genai_model_classes AS a ON a.model_family = c.model_family AND a.provider != c.provider
),
-- The window's tokens of each model at each alternative's current price row; a type without a rate
-- leaves the alternative unpriced (dropped below).
repriced AS (
  SELECT
    x.recommendation_type, b.provider, b.model_id, b.region, x.alt_provider, x.alt_model, x.basis,
    ap.region AS alt_region, ap.pricing_id AS alt_pricing_id,
    ap.input_price_per_1k AS alt_input_per_1k, ap.output_price_per_1k AS alt_output_per_1k,
    SUM(ROUND(b.tokens * CASE b.token_type
      WHEN 'input' THEN ap.input_price_per_1k
      WHEN 'output' THEN ap.output_price_per_1k
      WHEN 'cached_input' THEN IFNULL(ap.cached_input_price_per_1k, ap.input_price_per_1k)
      WHEN 'cache_write_5m' THEN IFNULL(ap.cache_write_5m_price_per_1k, ap.input_price_per_1k)
      WHEN 'cache_write_1h' THEN IFNULL(ap.cache_write_1h_price_per_1k, ap.input_price_per_1k)
      WHEN 'audio_input' THEN ap.audio_input_price_per_1k
      WHEN 'audio_output' THEN ap.audio_output_price_per_1k
    END * CAST('0.001' AS NUMERIC), 9)) AS alt_cost_usd,
    COUNTIF(CASE b.token_type
      WHEN 'input' THEN ap.input_price_per_1k
      WHEN 'output' THEN ap.output_price_per_1k
      WHEN 'cached_input' THEN IFNULL(ap.cached_input_price_per_1k, ap.input_price_per_1k)
      WHEN 'cache_write_5m' THEN IFNULL(ap.cache_write_5m_price_per_1k, ap.input_price_per_1k)
      WHEN 'cache_write_1h' THEN IFNULL(ap.cache_write_1h_price_per_1k, ap.input_price_per_1k)
      WHEN 'audio_input' THEN ap.audio_input_price_per_1k
      WHEN 'audio_output' THEN ap.audio_output_price_per_1k
    END IS NULL) AS unpriced_types
  FROM billed AS b
  JOIN alternatives AS x ON x.provider = b.provider AND x.model_id = b.model_id
  JOIN current_prices AS ap
    ON ap.provider = x.alt_provider AND ap.model_id = x.alt_model
    -- Same provider: the price of the usage's region, or the global one; another provider: any region.
    AND (x.recommendation_type = 'same_model_other_provider' OR ap.region IS NULL OR ap.region = b.region)
  GROUP BY x.recommendation_type, b.provider, b.model_id, b.region, x.alt_provider, x.alt_model, x.basis,
    ap.region, ap.pricing_id, ap.input_price_per_1k, ap.output_price_per_1k
),
-- Per alternative model its regional price before the global one (same provider), then the cheapest.
best_alternative AS (
  SELECT * EXCEPT (region_rank, cost_rank)
  FROM (
    SELECT *,
      ROW_NUMBER() OVER (
        PARTITION BY recommendation_type, provider, model_id, region, alt_provider, alt_model
        ORDER BY IF(recommendation_type = 'cheaper_model_same_class' AND alt_region IS NULL, 1, 0), alt_cost_usd,
          alt_pricing_id
      ) AS region_rank,
      ROW_NUMBER() OVER (
        PARTITION BY recommendation_type, provider, model_id, region
        ORDER BY alt_cost_usd, alt_provider, alt_model, alt_pricing_id
      ) AS cost_rank
    FROM repriced
    WHERE unpriced_types = 0
  )
  WHERE region_rank = 1 AND cost_rank = 1
),
model_switches AS (
  SELECT a.*, t.evidence_start, t.evidence_end, DATE_DIFF(t.evidence_end, t.evidence_start, DAY) + 1 AS evidence_days,
    t.tokens, t.cost_usd, t.cost_usd - a.alt_cost_usd AS window_savings_usd
  FROM best_alternative AS a
  JOIN billed_totals AS t ON t.provider = a.provider AND t.model_id = a.model_id AND t.region = a.region
),
-- Priced usage events of the window with their tokens and the price row that priced them.
events AS (
  SELECT
    e.event_key, e.event_date, e.occurred_at, e.provider, p.model_id, IFNULL(e.service, '') AS service,
    IFNULL(e.feature, '') AS feature, IFNULL(e.is_batch, FALSE) AS is_batch,
    IFNULL(e.service_tier, 'default') AS service_tier, e.input_uncached_tokens, e.input_cached_tokens,
    e.cache_write_5m_tokens, e.cache_write_1h_tokens, e.input_audio_tokens, e.output_tokens,
    c.estimated_cost_usd, p.pricing_id, p.input_price_per_1k, p.output_price_per_1k, p.cached_input_price_per_1k,
    p.cache_write_5m_price_per_1k,
    IFNULL(p.batch_input_price_per_1k, p.x_openai_batch_input_price) AS batch_input_price_per_1k,
    IFNULL(p.batch_output_price_per_1k, p.x_openai_batch_output_price) AS batch_output_price_per_1k
  FROM genai_usage_events AS e
  JOIN genai_usage_event_costs AS c ON c.event_date = e.event_date AND c.event_key = e.event_key
  JOIN llm_model_pricing AS p ON p.pricing_id = c.pricing_id
  WHERE e.event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) AND e.event_date < CURRENT_DATE()
    AND c.event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) AND c.event_date < CURRENT_DATE()
    AND c.cost_status = 'priced' AND c.estimated_cost_usd IS NOT NULL
),
-- Standard-tier calls: not batch, on a tier priced at the default rate (not priority, flex, provisioned).
standard_events AS (
  SELECT *
  FROM events
  WHERE NOT is_batch AND service_tier IN (
      SELECT service_tier FROM genai_ref_service_tiers WHERE tier_class = 'default' AND service_tier NOT LIKE '%batch%'
    )
),
-- Which services and features tolerate batch latency (hours instead of seconds), by a documented rule:
-- the producer's tag latency_sensitive ("true" on any call: never; "false" on every call: yes); otherwise a
-- feature that already sends batch-API calls, or whose calls serve no end user (no user_id: a pipeline or an
-- indexer, nobody waits on the answer).
batch_users AS (
  SELECT
    IFNULL(service, '') AS service,
    IFNULL(feature, '') AS feature,
    CASE
      WHEN COUNTIF(IFNULL(JSON_VALUE(tags, '$.latency_sensitive') = 'false', FALSE)) = COUNT(*) THEN 'tagged latency_sensitive=false'
      WHEN COUNTIF(is_batch) > 0 THEN 'already sends batch-API calls'
      ELSE 'serves no end user (no user_id on any call)'
    END AS eligibility
  -- IFNULL inside COUNTIF: DuckDB's COUNT_IF of only NULLs is NULL where BigQuery's COUNTIF is 0.
  FROM genai_usage_events
  WHERE event_date >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) AND event_date < CURRENT_DATE()
  GROUP BY IFNULL(service, ''), IFNULL(feature, '')
  HAVING COUNTIF(IFNULL(JSON_VALUE(tags, '$.latency_sensitive') = 'true', FALSE)) = 0
    AND (
      COUNTIF(IFNULL(JSON_VALUE(tags, '$.latency_sensitive') = 'false', FALSE)) = COUNT(*)
      OR COUNTIF(is_batch) > 0
      OR COUNTIF(user_id IS NOT NULL) = 0
    )
),
batch_evidence AS (
  SELECT
    s.provider, s.model_id, s.service, s.feature, ANY_VALUE(b.eligibility) AS eligibility,
    MIN(s.event_date) AS evidence_start, MAX(s.event_date) AS evidence_end,
    COUNT(*) AS calls, SUM(s.estimated_cost_usd) AS cost_usd,
    SUM(s.input_uncached_tokens) AS input_tokens, SUM(s.output_tokens) AS output_tokens,
    SUM(ROUND((s.input_uncached_tokens * (s.input_price_per_1k - s.batch_input_price_per_1k)
      + s.output_tokens * (s.output_price_per_1k - s.batch_output_price_per_1k)) * CAST('0.001' AS NUMERIC), 9)) AS window_savings_usd,
    MAX(s.input_price_per_1k) AS input_per_1k, MAX(s.batch_input_price_per_1k) AS batch_input_per_1k,
    MAX(s.output_price_per_1k) AS output_per_1k, MAX(s.batch_output_price_per_1k) AS batch_output_per_1k
  FROM standard_events AS s
  JOIN batch_users AS b ON b.service = s.service AND b.feature = s.feature
  WHERE s.batch_input_price_per_1k IS NOT NULL AND s.batch_output_price_per_1k IS NOT NULL
  GROUP BY s.provider, s.model_id, s.service, s.feature
),
-- Long prompts per (provider, model, service, feature), in time order, with the group's shortest one.
long_prompts AS (
  SELECT *,
    LAG(occurred_at) OVER (PARTITION BY provider, model_id, service, feature ORDER BY occurred_at, event_key)
      AS previous_at,
    MIN(input_uncached_tokens) OVER (PARTITION BY provider, model_id, service, feature) AS prefix_tokens
  FROM standard_events
  WHERE input_uncached_tokens >= 1024
),
cache_evidence AS (
  SELECT
    provider, model_id, service, feature, MIN(event_date) AS evidence_start, MAX(event_date) AS evidence_end,
    COUNT(*) AS calls, SUM(estimated_cost_usd) AS cost_usd, MIN(prefix_tokens) AS prefix_tokens,
    COUNTIF(previous_at IS NOT NULL AND TIMESTAMP_DIFF(occurred_at, previous_at, SECOND) <= 300) AS cache_reads,
    SUM(input_cached_tokens) AS cached_tokens,
    SUM(input_uncached_tokens + input_cached_tokens + cache_write_5m_tokens + cache_write_1h_tokens + input_audio_tokens)
      AS input_tokens,
    COUNTIF(cached_input_price_per_1k IS NULL) AS no_cache_price,
    SUM(ROUND(prefix_tokens * IF(
      previous_at IS NOT NULL AND TIMESTAMP_DIFF(occurred_at, previous_at, SECOND) <= 300,
      input_price_per_1k - cached_input_price_per_1k,
      input_price_per_1k - IFNULL(cache_write_5m_price_per_1k, input_price_per_1k)
    ) * CAST('0.001' AS NUMERIC), 9)) AS window_savings_usd,
    MAX(input_price_per_1k) AS input_per_1k, MAX(cached_input_price_per_1k) AS cached_per_1k
  FROM long_prompts
  GROUP BY provider, model_id, service, feature
),
recommendations AS (
  SELECT
    'commitment_right_sizing' AS recommendation_type,
    provider,
    model,
    commitment_id AS subject,
    CONCAT(
      'Commitment ', IFNULL(commitment_name, commitment_id), ' (', commitment_type, ') was ',
      CAST(ROUND(SAFE_DIVIDE(used_unit_hours, provisioned_unit_hours) * 100, 1) AS STRING),
      ' % utilized over ', CAST(evidence_days AS STRING), ' days: reduce it to the capacity used'
    ) AS recommendation,
    ROUND(SAFE_DIVIDE(used_unit_hours, provisioned_unit_hours) * 100, 2) AS utilization_pct,
    evidence_start,
    evidence_end,
    evidence_days,
    commitment_cost_usd AS evidence_cost_usd,
    CAST(wasted_cost_usd AS NUMERIC) AS window_savings_usd,
    CONCAT(
      CAST(used_unit_hours AS STRING), ' of ', CAST(provisioned_unit_hours AS STRING), ' unit-hours used; unused cost $',
      CAST(ROUND(wasted_cost_usd, 2) AS STRING)
    ) AS evidence
  FROM commitment_evidence
  WHERE provisioned_unit_hours > 0 AND used_unit_hours < 0.8 * provisioned_unit_hours AND wasted_cost_usd > 0
  UNION ALL
  SELECT
    recommendation_type,
    provider,
    model_id,
    IF(region = '', model_id, CONCAT(model_id, ' (', region, ')')),
    IF(
      recommendation_type = 'cheaper_model_same_class',
      CONCAT('Move ', model_id, ' traffic to ', alt_model, ' (same capability class ', basis,
        ', released no earlier): same tokens cost less'),
      CONCAT('Buy ', model_id, ' as ', alt_model, ' on ', alt_provider, IFNULL(CONCAT(' (', alt_region, ')'), ''),
        ': the same model (', basis, ') at a lower price; check data residency and contract terms first')
    ),
    CAST(NULL AS NUMERIC),
    evidence_start,
    evidence_end,
    evidence_days,
    cost_usd,
    CAST(window_savings_usd AS NUMERIC),
    CONCAT(
      CAST(CAST(tokens AS INT64) AS STRING), ' billed tokens cost $', CAST(ROUND(cost_usd, 2) AS STRING), '; at ', alt_provider, ' ',
      alt_model, ' prices (price row ', alt_pricing_id, ': $', CAST(CAST(alt_input_per_1k * 1000 AS FLOAT64) AS STRING), ' / $',
      CAST(CAST(alt_output_per_1k * 1000 AS FLOAT64) AS STRING), ' per 1M input / output) $', CAST(ROUND(alt_cost_usd, 2) AS STRING)
    )
  FROM model_switches
  UNION ALL
  SELECT
    'batch_eligible',
    provider,
    model_id,
    CONCAT(service, ' / ', feature),
    CONCAT(
      'Send the standard-tier ', model_id, ' calls of ', service, ' / ', feature,
      ' through the batch API (results within 24 hours): it ', eligibility
    ),
    CAST(NULL AS NUMERIC),
    evidence_start,
    evidence_end,
    DATE_DIFF(evidence_end, evidence_start, DAY) + 1,
    cost_usd,
    CAST(window_savings_usd AS NUMERIC),
    CONCAT(
      CAST(calls AS STRING), ' standard-tier calls, ', CAST(input_tokens AS STRING), ' uncached input and ',
      CAST(output_tokens AS STRING), ' output tokens; per 1M input $', CAST(CAST(input_per_1k * 1000 AS FLOAT64) AS STRING),
      ' -> batch $', CAST(CAST(batch_input_per_1k * 1000 AS FLOAT64) AS STRING), ', output $', CAST(CAST(output_per_1k * 1000 AS FLOAT64) AS STRING),
      ' -> batch $', CAST(CAST(batch_output_per_1k * 1000 AS FLOAT64) AS STRING)
    )
  FROM batch_evidence
  UNION ALL
  SELECT
    'cache_opportunity',
    provider,
    model_id,
    CONCAT(service, ' / ', feature),
    CONCAT(
      'Cache the shared prompt prefix of ', service, ' / ', feature, ' on ', model_id,
      ': put the fixed part of the prompt first (and mark it cacheable where the provider asks for it)'
    ),
    CAST(NULL AS NUMERIC),
    evidence_start,
    evidence_end,
    DATE_DIFF(evidence_end, evidence_start, DAY) + 1,
    cost_usd,
    CAST(window_savings_usd AS NUMERIC),
    CONCAT(
      CAST(calls AS STRING), ' calls of >= 1,024 uncached input tokens, ',
      CAST(ROUND(SAFE_DIVIDE(cached_tokens, input_tokens) * 100, 1) AS STRING), ' % of input read from cache; ',
      'shared prefix taken as ', CAST(prefix_tokens AS STRING), ' tokens (the shortest prompt), ',
      CAST(cache_reads AS STRING), ' calls within 5 minutes of the previous one; per 1M input $',
      CAST(CAST(input_per_1k * 1000 AS FLOAT64) AS STRING), ' -> cache read $', CAST(CAST(cached_per_1k * 1000 AS FLOAT64) AS STRING)
    )
  FROM cache_evidence
  WHERE calls >= 10 AND no_cache_price = 0 AND cached_tokens < 0.1 * input_tokens
)
SELECT
  recommendation_type,
  provider,
  model,
  subject,
  recommendation,
  utilization_pct,
  evidence_start,
  evidence_end,
  evidence_days,
  evidence_cost_usd,
  ROUND(CAST(window_savings_usd * 30 / evidence_days AS NUMERIC), 2) AS savings_usd_per_month,
  evidence
FROM recommendations
WHERE ROUND(CAST(window_savings_usd * 30 / evidence_days AS NUMERIC), 2) > 0
