-- THE pay-as-you-go pricing engine, for [p_start_date, p_end_date): every token category of every usage
-- row priced with the price row valid on its day, as genai_costs_daily_unified rows (but consolidated_at).
-- p_source 'usage' prices the providers' daily usage (genai_costs_payg, for sp_genai_2); 'events' prices
-- each per-request usage event (usage_id = its event_key; sp_genai_4a); 'invocations' each Bedrock model
-- invocation log record (usage_id = its record_id; sp_genai_4c). One implementation for all three, so an
-- event's estimate and the bill's computed cost differ only by what was used, never by how it was priced.
-- Two account-level amounts apply to the bill only: provider-reported dollars (a model-day's total cannot
-- be split over the subset of requests that sent events) and trial credit (an offset on the account, not
-- a price); events of such model-days stay unpriced, and events are priced before credit.
--
-- Price choice (one price row per usage row): same provider, enabled, valid on the day
-- (effective_date <= day <= end_date), model id equal or the model id plus a dated snapshot suffix,
-- region equal or unset, service tier equal (flex, priority, ...) or unset for default tiers
-- (genai_ref_service_tiers). Ties: the organization's custom row first, then exact model, regional,
-- tier-specific, newest. Rates per category: batch rate for batch usage (and the same batch ratio on
-- cache reads and writes, which providers discount too); long-context rates for the 200k-1M bucket, or
-- for a single request whose prompt exceeds the row's long_context_threshold_tokens (and the same
-- long-context ratio on cache reads and writes; usage that cannot tell is marked in estimate_reason);
-- cached and cache-write rates where the row has them, else the input rate; audio only at an audio
-- rate. Discount: when base_*_price is set, the row's prices are already discounted; otherwise
-- discount_percentage applies to them. Free tiers: billable = max(0, cumulative - free) per reset
-- period (daily, monthly, or never = since effective_date, looking back at most 366 days), granted
-- only while the organization's plan for that provider is free or an unexpired trial that day.
-- Plans (llm_subscriptions): seeded rows describe what providers offer; a row is the organization's
-- own only when is_custom (it created or adopted it). The plan of a provider-day is the enabled own
-- plan row (no commitment_type, tier free/trial/paid/enterprise) valid that day, newest first, then
-- the most paid; no own plan means paid, so a paying organization never gets a free allowance.
-- A committed-use discount (own enabled committed_use row without commitment_type, valid that day,
-- discount_percentage > 0, model and region unset or equal; the most specific, then the largest)
-- takes its percentage off list-price rows (pricing_type standard or free_tier); subscription_id
-- names the plan row that changed a cost (free allowance or discount). Only the documented
-- pricing_type values price anything: a row with another value is ignored, never guessed.
-- No price, or no rate for a category, gives cost_status 'unpriced' and NULL cost, never 0, unless
-- the provider reported the model-day's dollars: then 'provider_reported' (see reported_model_days).
-- Tokens served by provisioned capacity are 'committed' at 0: the commitment rows carry the money, and the
-- provider's capacity commitment type comes from genai_ref_providers. Units and meters of each token
-- category come from genai_ref_token_categories.
CREATE OR REPLACE TABLE FUNCTION genai_costs_engine_payg(p_org_slug STRING, p_source STRING, p_start_date DATE, p_end_date DATE) AS
WITH
-- The quantities to price: the providers' daily usage, or the per-request usage events (each event
-- one usage row keyed by its event_key), by p_source. Same columns in the same order.
usage_rows AS (
  SELECT
    usage_id, org_slug, usage_date, provider, model, region, service_tier, is_batch, project_id, api_key_id,
    deployment, context_window, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens,
    cache_write_1h_tokens, input_audio_tokens, output_tokens, output_audio_tokens, requests, web_search_requests
  FROM genai_usage_daily
  WHERE p_source = 'usage' AND usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
  UNION ALL
  SELECT
    event_key AS usage_id, org_slug, event_date AS usage_date, provider, model, region, service_tier, is_batch,
    project_id, api_key_id, deployment, context_window, input_uncached_tokens, input_cached_tokens,
    cache_write_5m_tokens, cache_write_1h_tokens, input_audio_tokens, output_tokens, output_audio_tokens,
    1 AS requests, web_search_requests
  FROM genai_usage_events
  WHERE p_source = 'events' AND event_date >= p_start_date AND event_date < p_end_date AND org_slug = p_org_slug
  UNION ALL
  -- Bedrock model invocation log records (p_source 'invocations', sp_genai_4c): one usage row per request,
  -- keyed by its record_id, priced on the day the invocation happened.
  SELECT
    record_id AS usage_id, org_slug, DATE(occurred_at) AS usage_date, provider, model, region, service_tier,
    FALSE AS is_batch, account_id AS project_id, CAST(NULL AS STRING) AS api_key_id, CAST(NULL AS STRING) AS deployment,
    CAST(NULL AS STRING) AS context_window, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens,
    cache_write_1h_tokens, 0 AS input_audio_tokens, output_tokens, 0 AS output_audio_tokens, 1 AS requests,
    0 AS web_search_requests
  FROM genai_invocations_aws_bedrock_requests
  WHERE p_source = 'invocations' AND usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
),
usage_window AS (
  SELECT
    u.*,
    IF(u.service_tier IS NULL, 'default', IFNULL(t.tier_class, LOWER(u.service_tier))) AS tier_class,
    (IFNULL(u.is_batch, FALSE) OR IFNULL(u.service_tier = 'batch', FALSE)) AS batch_usage,
    IFNULL(u.context_window = '200k-1M', FALSE) AS long_context
  FROM usage_rows AS u
  LEFT JOIN genai_ref_service_tiers AS t ON t.service_tier = LOWER(u.service_tier)
),
-- The price depends only on these keys, not on project or key: resolved once per key (thousands),
-- not once per usage row (millions).
price_keys AS (
  SELECT DISTINCT provider, model, region, tier_class, usage_date FROM usage_window
),
-- Model id resolution, the one place where a reported model id meets catalog ids (each rule has an
-- example per provider in tests/consolidation/test_model_ids.py). A reported id yields candidates,
-- most specific first:
--   exact                 the id as reported;
--   cross_region_profile  minus a Bedrock cross-region inference profile prefix (us., eu., apac., global., ...);
--   resource_path         the last segment of a resource path (publishers/google/models/gemini-2.5-pro);
--   at_version            minus a Vertex @version (claude-sonnet-4@20250514, gemini-1.5-pro@002);
--   version_suffix        minus a Bedrock version (-v1:0) or a numbered or latest release (-001, -latest);
--   snapshot              minus a dated snapshot (gpt-4o-2024-08-06, claude-3-5-haiku-20241022);
--   fine_tuned            OpenAI ft:BASE:org::id and Azure BASE.ft-id: the catalog's ft:BASE row (then
--                         ft:BASE without its date), never the base model's price (fine-tuned inference
--                         has its own, higher rates).
-- Catalog ids are matched as written and with their own version suffix or @version removed, so
-- gemini-2.0-flash prices from a gemini-2.0-flash-001 row (version_suffix). Ties: the custom row first,
-- then the most specific candidate.
model_ids AS (
  SELECT
    provider, model, ft_base,
    REGEXP_REPLACE(REGEXP_REPLACE(REGEXP_REPLACE(model, r'^.*/', ''),
      r'^(us|eu|apac|global|us-gov|jp|au|ca)\.', ''), r'@.*$', '') AS normalized,
    CASE
      WHEN REGEXP_CONTAINS(model, r'^(us|eu|apac|global|us-gov|jp|au|ca)\.') THEN 'cross_region_profile'
      WHEN STRPOS(model, '/') > 0 THEN 'resource_path'
      WHEN STRPOS(model, '@') > 0 THEN 'at_version'
    END AS normalized_rule
  FROM (
    SELECT DISTINCT
      provider, model,
      IF(STARTS_WITH(model, 'ft:'), SPLIT(model, ':')[SAFE_OFFSET(1)], REGEXP_EXTRACT(model, r'^(.+)\.ft-[0-9A-Za-z]+$'))
        AS ft_base
    FROM price_keys
  )
),
model_candidates AS (
  SELECT provider, model, c.candidate, c.rule, c.preference
  FROM model_ids AS m
  CROSS JOIN UNNEST(
    IF(m.ft_base IS NOT NULL,
      [STRUCT(m.model AS candidate, 'exact' AS rule, 0 AS preference),
        STRUCT(CONCAT('ft:', m.ft_base), 'fine_tuned', 1),
        STRUCT(CONCAT('ft:', REGEXP_REPLACE(m.ft_base, r'-[0-9]{4}-?[0-9]{2}-?[0-9]{2}$', '')), 'fine_tuned', 2)],
      [STRUCT(m.model AS candidate, 'exact' AS rule, 0 AS preference),
        STRUCT(m.normalized, IFNULL(m.normalized_rule, 'exact'), 1),
        STRUCT(REGEXP_REPLACE(m.normalized, r'-(v[0-9]+:[0-9]+|[0-9]{3}|latest)$', ''), 'version_suffix', 2),
        STRUCT(REGEXP_REPLACE(m.normalized, r'-[0-9]{4}-?[0-9]{2}-?[0-9]{2}$', ''), 'snapshot', 3),
        STRUCT(REGEXP_REPLACE(REGEXP_REPLACE(m.normalized, r'-(v[0-9]+:[0-9]+|[0-9]{3}|latest)$', ''),
          r'-[0-9]{4}-?[0-9]{2}-?[0-9]{2}$', ''), 'snapshot', 4)])
  ) AS c
),
-- Each enabled catalog row under its id and, where different, its id without a version suffix.
catalog_keys AS (
  SELECT p.*, k.catalog_key, k.key_is_id
  FROM llm_model_pricing AS p
  CROSS JOIN UNNEST([
    STRUCT(p.model_id AS catalog_key, TRUE AS key_is_id),
    STRUCT(REGEXP_REPLACE(REGEXP_REPLACE(p.model_id, r'@.*$', ''), r'-(v[0-9]+:[0-9]+|[0-9]{3}|latest)$', ''), FALSE)
  ]) AS k
  WHERE p.is_enabled AND (k.key_is_id OR k.catalog_key != p.model_id)
),
-- Catalog rows that can price each distinct model, with the rule that matched (the best per row).
model_prices AS (
  SELECT * EXCEPT (match_rank)
  FROM (
    SELECT
      m.provider, m.model,
      IF(NOT p.key_is_id AND m.rule = 'exact', 'version_suffix', m.rule) AS price_match,
      m.preference * 2 + IF(p.key_is_id, 0, 1) AS match_preference,
      p.pricing_id,
      p.region AS price_region, p.service_tier AS price_tier, p.is_custom, p.effective_date, p.end_date, p.pricing_type,
      p.currency, p.free_tier_input_tokens, p.free_tier_output_tokens, p.free_tier_reset_frequency,
      p.discount_percentage, p.base_input_price_per_1k, p.base_output_price_per_1k, p.input_price_per_1k,
      p.output_price_per_1k, p.cached_input_price_per_1k, p.cache_write_5m_price_per_1k,
      p.cache_write_1h_price_per_1k, p.batch_input_price_per_1k, p.batch_output_price_per_1k,
      p.long_context_input_price_per_1k, p.long_context_output_price_per_1k, p.audio_input_price_per_1k,
      p.audio_output_price_per_1k, p.web_search_price_per_1k_requests, p.volume_threshold_tokens,
      p.long_context_threshold_tokens,
      ROW_NUMBER() OVER (
        PARTITION BY m.provider, m.model, p.pricing_id ORDER BY m.preference * 2 + IF(p.key_is_id, 0, 1)
      ) AS match_rank
    FROM model_candidates AS m
    JOIN catalog_keys AS p ON p.provider = m.provider AND p.catalog_key = m.candidate
    WHERE p.pricing_type IN ('standard', 'free_tier', 'volume_discount', 'committed_use', 'promotional', 'negotiated')
  )
  WHERE match_rank = 1
),
-- The organization's plan per provider and day (see the header): only free and unexpired trial
-- plans grant free allowances.
org_plans AS (
  SELECT provider, usage_date, subscription_id AS plan_subscription_id,
    tier_type = 'free' OR (tier_type = 'trial' AND (trial_end_date IS NULL OR usage_date <= trial_end_date))
      AS free_allowance_granted
  FROM (
    SELECT
      d.provider, d.usage_date, s.subscription_id, s.tier_type, s.trial_end_date,
      ROW_NUMBER() OVER (
        PARTITION BY d.provider, d.usage_date
        ORDER BY s.effective_date DESC,
          CASE s.tier_type WHEN 'enterprise' THEN 0 WHEN 'paid' THEN 1 WHEN 'trial' THEN 2 ELSE 3 END, s.subscription_id
      ) AS plan_rank
    FROM (SELECT DISTINCT provider, usage_date FROM price_keys) AS d
    JOIN llm_subscriptions AS s
      ON s.provider = d.provider AND s.is_enabled AND s.is_custom AND s.commitment_type IS NULL
      AND s.tier_type IN ('free', 'trial', 'paid', 'enterprise')
      AND s.effective_date <= d.usage_date AND (s.end_date IS NULL OR d.usage_date <= s.end_date)
  )
  WHERE plan_rank = 1
),
-- The committed-use discount of each price key, if the organization holds one (see the header).
cuds AS (
  SELECT provider, model, region, usage_date, subscription_id AS cud_subscription_id,
    CAST('1' AS NUMERIC) - discount_percentage * CAST('0.01' AS NUMERIC) AS cud_factor
  FROM (
    SELECT
      k.provider, k.model, k.region, k.usage_date, s.subscription_id, s.discount_percentage,
      ROW_NUMBER() OVER (
        PARTITION BY k.provider, k.model, k.region, k.usage_date
        ORDER BY IF(s.model_id IS NULL, 1, 0), IF(s.region IS NULL, 1, 0), s.discount_percentage DESC, s.subscription_id
      ) AS cud_rank
    FROM (SELECT DISTINCT provider, model, region, usage_date FROM price_keys) AS k
    JOIN llm_subscriptions AS s
      ON s.provider = k.provider AND s.is_enabled AND s.is_custom AND s.tier_type = 'committed_use'
      AND s.commitment_type IS NULL AND s.discount_percentage > 0
      AND s.effective_date <= k.usage_date AND (s.end_date IS NULL OR k.usage_date <= s.end_date)
      AND (s.commitment_start_date IS NULL OR s.commitment_start_date <= k.usage_date)
      AND (s.commitment_end_date IS NULL OR k.usage_date <= s.commitment_end_date)
      AND (s.model_id IS NULL OR s.model_id = k.model) AND (s.region IS NULL OR s.region = k.region)
  )
  WHERE cud_rank = 1
),
-- The best price row per key, and separately the best volume_discount row: volume rows price only
-- the tokens beyond their threshold (see volume_split), the other row everything else.
candidates AS (
  SELECT * EXCEPT (price_rank)
  FROM (
    SELECT
      k.region, k.tier_class, k.usage_date, mp.*, mp.pricing_type = 'volume_discount' AS is_volume,
      ROW_NUMBER() OVER (
        PARTITION BY k.provider, k.model, k.region, k.tier_class, k.usage_date, mp.pricing_type = 'volume_discount'
        ORDER BY mp.is_custom DESC, mp.match_preference, IF(mp.price_region IS NULL, 1, 0),
          IF(mp.price_tier IS NULL, 1, 0), mp.effective_date DESC, mp.pricing_id
      ) AS price_rank
    FROM price_keys AS k
    JOIN model_prices AS mp
      ON mp.provider = k.provider AND mp.model = k.model
      AND mp.effective_date <= k.usage_date
      AND (mp.end_date IS NULL OR k.usage_date <= mp.end_date)
      AND (mp.price_region IS NULL OR mp.price_region = k.region)
      AND IF(k.tier_class IN ('default', 'provisioned'), mp.price_tier IS NULL, LOWER(mp.price_tier) = k.tier_class)
  )
  WHERE price_rank = 1
),
chosen AS (
  SELECT * EXCEPT (is_volume) FROM candidates WHERE NOT is_volume
),
volume_chosen AS (
  SELECT provider, model, region, tier_class, usage_date, pricing_id AS volume_pricing_id,
    price_match AS volume_price_match, is_custom AS volume_is_custom, volume_threshold_tokens
  FROM candidates
  WHERE is_volume AND volume_threshold_tokens IS NOT NULL
),
-- Each chosen price row's rate, rule and unit prices per token category and usage kind (batch,
-- long context): a few thousand rows, so the money arithmetic on rates runs once per rate.
rate_card AS (
  SELECT
    r.pricing_id, r.token_type, r.batch_usage, r.long_context, r.rate_per_1k, r.price_rule,
    CAST(r.rate_per_1k * r.discount_factor * r.rate_to_pricing_unit AS NUMERIC) AS unit_price,
    CAST(IFNULL(r.base_rate_per_1k, r.rate_per_1k) * r.rate_to_pricing_unit AS NUMERIC) AS list_unit_price
  FROM (
    SELECT
      p.pricing_id, c.token_type, c.rate_to_pricing_unit, p.batch_usage, p.long_context,
      -- A discount multiplier when the row's prices are list prices with a percentage off.
      IF(p.base_input_price_per_1k IS NULL AND p.discount_percentage IS NOT NULL,
        CAST('1' AS NUMERIC) - p.discount_percentage * CAST('0.01' AS NUMERIC), CAST('1' AS NUMERIC)) AS discount_factor,
      CASE c.token_type
        WHEN 'input' THEN CASE p.input_rule
          WHEN 'batch' THEN p.batch_input_price_per_1k
          WHEN 'long_context' THEN p.long_context_input_price_per_1k
          ELSE p.input_price_per_1k END
        WHEN 'output' THEN CASE p.output_rule
          WHEN 'batch' THEN p.batch_output_price_per_1k
          WHEN 'long_context' THEN p.long_context_output_price_per_1k
          ELSE p.output_price_per_1k END
        WHEN 'cached_input' THEN IFNULL(p.cached_input_price_per_1k, p.input_price_per_1k) * p.batch_ratio * p.long_context_ratio
        WHEN 'cache_write_5m' THEN IFNULL(p.cache_write_5m_price_per_1k, p.input_price_per_1k) * p.batch_ratio * p.long_context_ratio
        WHEN 'cache_write_1h' THEN IFNULL(p.cache_write_1h_price_per_1k, p.input_price_per_1k) * p.batch_ratio * p.long_context_ratio
        WHEN 'audio_input' THEN p.audio_input_price_per_1k
        WHEN 'audio_output' THEN p.audio_output_price_per_1k
        WHEN 'web_search' THEN p.web_search_price_per_1k_requests
      END AS rate_per_1k,
      -- List prices before a discount already applied to the row exist for standard-rate input and output.
      CASE c.token_type
        WHEN 'input' THEN IF(p.input_rule = 'standard', p.base_input_price_per_1k, NULL)
        WHEN 'output' THEN IF(p.input_rule = 'standard', p.base_output_price_per_1k, NULL)
      END AS base_rate_per_1k,
      CASE c.token_type
        WHEN 'input' THEN p.input_rule
        WHEN 'output' THEN p.output_rule
        WHEN 'cached_input' THEN CONCAT(IF(p.long_context_ratio != 1, 'long_context_', ''),
          IF(p.cached_input_price_per_1k IS NULL, 'cache_read_at_input_rate', 'cache_read'))
        WHEN 'audio_input' THEN 'audio'
        WHEN 'audio_output' THEN 'audio'
        WHEN 'cache_write_5m' THEN CONCAT(IF(p.long_context_ratio != 1, 'long_context_', ''), c.token_type)
        WHEN 'cache_write_1h' THEN CONCAT(IF(p.long_context_ratio != 1, 'long_context_', ''), c.token_type)
        ELSE c.token_type
      END AS price_rule
    FROM (
      SELECT
        p.*,
        CASE
          WHEN batch_usage AND p.batch_input_price_per_1k IS NOT NULL THEN 'batch'
          WHEN long_context AND p.long_context_input_price_per_1k IS NOT NULL THEN 'long_context'
          ELSE 'standard'
        END AS input_rule,
        CASE
          WHEN batch_usage AND p.batch_output_price_per_1k IS NOT NULL THEN 'batch'
          WHEN long_context AND p.long_context_output_price_per_1k IS NOT NULL THEN 'long_context'
          ELSE 'standard'
        END AS output_rule,
        IF(batch_usage AND p.batch_input_price_per_1k IS NOT NULL AND p.input_price_per_1k > 0,
          CAST(p.batch_input_price_per_1k / p.input_price_per_1k AS NUMERIC), CAST('1' AS NUMERIC)) AS batch_ratio,
        -- Cache reads and writes of a long-context request cost more in the same proportion as its
        -- input (Anthropic: $0.30 -> $0.60 read and $3.75 -> $7.50 write as input $3 -> $6; Gemini 2.5
        -- Pro likewise): the long-context input / input ratio, as batch uses its own.
        IF(long_context AND NOT (batch_usage AND p.batch_input_price_per_1k IS NOT NULL)
          AND p.long_context_input_price_per_1k IS NOT NULL AND p.input_price_per_1k > 0,
          CAST(p.long_context_input_price_per_1k / p.input_price_per_1k AS NUMERIC), CAST('1' AS NUMERIC))
          AS long_context_ratio,
        batch_usage, long_context
      FROM (
        SELECT DISTINCT
          pricing_id, discount_percentage, base_input_price_per_1k, base_output_price_per_1k, input_price_per_1k,
          output_price_per_1k, cached_input_price_per_1k, cache_write_5m_price_per_1k, cache_write_1h_price_per_1k,
          batch_input_price_per_1k, batch_output_price_per_1k, long_context_input_price_per_1k,
          long_context_output_price_per_1k, audio_input_price_per_1k, audio_output_price_per_1k,
          web_search_price_per_1k_requests
        FROM candidates
      ) AS p
      CROSS JOIN UNNEST([TRUE, FALSE]) AS batch_usage
      CROSS JOIN UNNEST([TRUE, FALSE]) AS long_context
    ) AS p
    CROSS JOIN genai_ref_token_categories AS c
    WHERE c.flow = 'payg'
  ) AS r
),
-- Every usage row with its price row and, if that price has a free allowance, its period's first day.
-- The context-window tier: a reported bucket decides (Anthropic's '200k-1M'); a single request without
-- one (an event, an invocation log record) is long-context when its prompt (every input category)
-- exceeds the price row's threshold; an aggregated usage row without one cannot be split, so it is
-- priced at the standard rate and, when the model has long-context rates, marked an estimate.
priced_usage AS (
  SELECT
    u.* REPLACE (
      u.long_context OR (u.context_window IS NULL AND p_source IN ('events', 'invocations')
        AND c.long_context_threshold_tokens IS NOT NULL
        AND u.input_uncached_tokens + u.input_cached_tokens + u.cache_write_5m_tokens + u.cache_write_1h_tokens
          + u.input_audio_tokens > c.long_context_threshold_tokens) AS long_context),
    IF(p_source = 'usage' AND u.context_window IS NULL AND c.long_context_threshold_tokens IS NOT NULL
      AND (c.long_context_input_price_per_1k IS NOT NULL OR c.long_context_output_price_per_1k IS NOT NULL),
      c.long_context_threshold_tokens, NULL) AS unknown_tier_threshold,
    c.pricing_id, c.price_match, c.pricing_type, c.is_custom, c.currency,
    IF(pl.free_allowance_granted, c.free_tier_input_tokens, NULL) AS free_tier_input_tokens,
    IF(pl.free_allowance_granted, c.free_tier_output_tokens, NULL) AS free_tier_output_tokens,
    pl.plan_subscription_id, v.volume_pricing_id, v.volume_price_match, v.volume_is_custom,
    v.volume_threshold_tokens,
    IF(v.volume_pricing_id IS NULL, NULL, DATE_TRUNC(u.usage_date, MONTH)) AS volume_period_start,
    IF(c.pricing_type IN ('standard', 'free_tier'), cd.cud_subscription_id, NULL) AS cud_subscription_id,
    IF(c.pricing_type IN ('standard', 'free_tier'), cd.cud_factor, NULL) AS cud_factor,
    IF((c.free_tier_input_tokens IS NULL AND c.free_tier_output_tokens IS NULL)
      OR NOT IFNULL(pl.free_allowance_granted, FALSE), NULL,
      CASE c.free_tier_reset_frequency
        WHEN 'daily' THEN u.usage_date
        WHEN 'monthly' THEN DATE_TRUNC(u.usage_date, MONTH)
        WHEN 'never' THEN GREATEST(c.effective_date, DATE_SUB(p_start_date, INTERVAL 366 DAY))
      END) AS free_period_start,
    pv.provisioned_commitment_type
  FROM usage_window AS u
  LEFT JOIN genai_ref_providers AS pv ON pv.provider = u.provider
  LEFT JOIN chosen AS c
    ON c.provider = u.provider AND IFNULL(c.model, '') = IFNULL(u.model, '')
    AND IFNULL(c.region, '') = IFNULL(u.region, '') AND c.tier_class = u.tier_class AND c.usage_date = u.usage_date
  LEFT JOIN volume_chosen AS v
    ON v.provider = u.provider AND IFNULL(v.model, '') = IFNULL(u.model, '')
    AND IFNULL(v.region, '') = IFNULL(u.region, '') AND v.tier_class = u.tier_class AND v.usage_date = u.usage_date
  LEFT JOIN org_plans AS pl ON pl.provider = u.provider AND pl.usage_date = u.usage_date
  LEFT JOIN cuds AS cd
    ON cd.provider = u.provider AND IFNULL(cd.model, '') = IFNULL(u.model, '')
    AND IFNULL(cd.region, '') = IFNULL(u.region, '') AND cd.usage_date = u.usage_date
),
-- Free tiers whose period began before the window: usage since the period start counts toward
-- them. Read only for those (provider, model, period start) and only from the earliest start.
free_periods AS (
  SELECT DISTINCT provider, model, free_period_start
  FROM priced_usage
  WHERE free_period_start < p_start_date
),
prior AS (
  SELECT f.provider, f.model, f.free_period_start,
    SUM(h.input_uncached_tokens) AS prior_input, SUM(h.output_tokens) AS prior_output
  FROM free_periods AS f
  JOIN genai_usage_daily AS h
    ON h.provider = f.provider AND h.model = f.model AND h.usage_date >= f.free_period_start
  WHERE h.usage_date >= DATE_SUB(p_start_date, INTERVAL 366 DAY) AND h.usage_date < p_start_date
    AND h.usage_date >= (SELECT MIN(free_period_start) FROM free_periods) AND h.org_slug = p_org_slug
  GROUP BY f.provider, f.model, f.free_period_start
),
-- Every usage row with the part of its input and output inside the free allowance,
-- min(cum, free) - min(cum before this row, free): rows whose price has no free tier pass through
-- with none; only the others are ordered for running totals per free-tier period.
usage_free AS (
  SELECT u.*, 0 AS free_input, 0 AS free_output
  FROM priced_usage AS u
  WHERE u.free_period_start IS NULL
  UNION ALL
  SELECT
    r.* EXCEPT (cum_input, cum_output),
    IF(r.free_tier_input_tokens IS NULL, 0, GREATEST(0, LEAST(r.cum_input, r.free_tier_input_tokens)
      - LEAST(r.cum_input - r.input_uncached_tokens, r.free_tier_input_tokens))) AS free_input,
    IF(r.free_tier_output_tokens IS NULL, 0, GREATEST(0, LEAST(r.cum_output, r.free_tier_output_tokens)
      - LEAST(r.cum_output - r.output_tokens, r.free_tier_output_tokens))) AS free_output
  FROM (
    SELECT
      pr.*,
      IFNULL(po.prior_input, 0) + SUM(pr.input_uncached_tokens) OVER free_period AS cum_input,
      IFNULL(po.prior_output, 0) + SUM(pr.output_tokens) OVER free_period AS cum_output
    FROM priced_usage AS pr
    LEFT JOIN prior AS po
      ON po.provider = pr.provider AND po.model = pr.model AND po.free_period_start = pr.free_period_start
    WHERE pr.free_period_start IS NOT NULL
    WINDOW free_period AS (
      PARTITION BY pr.provider, pr.model, pr.free_period_start
      ORDER BY pr.usage_date, pr.usage_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
  ) AS r
),
-- One row per token category with a quantity, its price and its status.
quantities AS (
  SELECT
    u.*, c.token_type, c.consumed_unit, c.pricing_unit, c.pricing_quantity_scale,
    CASE c.token_type
      WHEN 'input' THEN u.input_uncached_tokens WHEN 'cached_input' THEN u.input_cached_tokens
      WHEN 'cache_write_5m' THEN u.cache_write_5m_tokens WHEN 'cache_write_1h' THEN u.cache_write_1h_tokens
      WHEN 'audio_input' THEN u.input_audio_tokens WHEN 'output' THEN u.output_tokens
      WHEN 'audio_output' THEN u.output_audio_tokens WHEN 'web_search' THEN IFNULL(u.web_search_requests, 0)
    END AS tokens,
    CASE c.token_type WHEN 'input' THEN u.free_input WHEN 'output' THEN u.free_output ELSE 0 END AS free_tokens
  FROM usage_free AS u
  CROSS JOIN genai_ref_token_categories AS c
  WHERE c.flow = 'payg'
),
-- Volume discounts: tokens (every token category) of the provider and model in the calendar month,
-- counted in usage order, beyond the volume row's threshold are priced by the volume row; a
-- quantity that crosses the threshold is split in two rows. Usage of the month before the window
-- counts toward the threshold.
volume_periods AS (
  SELECT DISTINCT provider, model, volume_period_start
  FROM priced_usage
  WHERE volume_period_start < p_start_date
),
volume_prior AS (
  SELECT f.provider, f.model, f.volume_period_start,
    SUM(IFNULL(h.input_uncached_tokens, 0) + IFNULL(h.input_cached_tokens, 0) + IFNULL(h.cache_write_5m_tokens, 0)
      + IFNULL(h.cache_write_1h_tokens, 0) + IFNULL(h.input_audio_tokens, 0) + IFNULL(h.output_tokens, 0)
      + IFNULL(h.output_audio_tokens, 0)) AS prior_tokens
  FROM volume_periods AS f
  JOIN genai_usage_daily AS h
    ON h.provider = f.provider AND h.model = f.model AND h.usage_date >= f.volume_period_start
  WHERE h.usage_date >= DATE_SUB(p_start_date, INTERVAL 31 DAY) AND h.usage_date < p_start_date
    AND h.org_slug = p_org_slug
  GROUP BY f.provider, f.model, f.volume_period_start
),
volume_split AS (
  SELECT q.*, 0 AS beyond_threshold
  FROM quantities AS q
  WHERE q.volume_period_start IS NULL OR q.consumed_unit != 'Tokens'
  UNION ALL
  SELECT
    r.* EXCEPT (cum_tokens),
    LEAST(r.tokens - r.free_tokens,
      GREATEST(0, r.cum_tokens - GREATEST(r.cum_tokens - r.tokens, r.volume_threshold_tokens))) AS beyond_threshold
  FROM (
    SELECT
      q.*,
      IFNULL(vp.prior_tokens, 0) + SUM(q.tokens) OVER (
        PARTITION BY q.provider, q.model, q.volume_period_start
        ORDER BY q.usage_date, q.usage_id, q.token_type
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS cum_tokens
    FROM quantities AS q
    LEFT JOIN volume_prior AS vp
      ON vp.provider = q.provider AND vp.model = q.model AND vp.volume_period_start = q.volume_period_start
    WHERE q.volume_period_start IS NOT NULL AND q.consumed_unit = 'Tokens'
  ) AS r
),
-- Each quantity at its price row, and the part beyond a volume threshold at the volume row.
price_parts AS (
  SELECT q.* EXCEPT (tokens, beyond_threshold), q.tokens - q.beyond_threshold AS tokens, '' AS part_suffix
  FROM volume_split AS q
  UNION ALL
  SELECT
    q.* EXCEPT (tokens, beyond_threshold) REPLACE (q.volume_pricing_id AS pricing_id,
      q.volume_price_match AS price_match, 'volume_discount' AS pricing_type, q.volume_is_custom AS is_custom,
      0 AS free_tokens, CAST(NULL AS NUMERIC) AS cud_factor),
    q.beyond_threshold AS tokens, ':volume' AS part_suffix
  FROM volume_split AS q
  WHERE q.beyond_threshold > 0
),
payg_rated AS (
  SELECT
    q.* EXCEPT (cud_factor), r.rate_per_1k, r.price_rule, r.list_unit_price,
    IF(q.cud_factor IS NULL OR q.tier_class = 'provisioned', r.unit_price, CAST(r.unit_price * q.cud_factor AS NUMERIC))
      AS unit_price,
    IF(q.cud_factor IS NULL OR q.tier_class = 'provisioned', NULL, q.cud_subscription_id) AS discount_subscription_id,
    -- Exact at 9 decimals (per 1M tokens or 1K requests), so it is NUMERIC like the column it fills.
    CAST(CAST(q.tokens - q.free_tokens AS NUMERIC) * q.pricing_quantity_scale AS NUMERIC) AS pricing_quantity,
    CASE
      WHEN q.tier_class = 'provisioned' THEN 'committed'
      WHEN q.pricing_id IS NULL OR r.rate_per_1k IS NULL THEN 'unpriced'
      ELSE 'priced'
    END AS cost_status
  FROM price_parts AS q
  LEFT JOIN rate_card AS r
    ON r.pricing_id = q.pricing_id AND r.token_type = q.token_type AND r.batch_usage = q.batch_usage
    AND r.long_context = q.long_context
  WHERE q.tokens > 0
),
payg_costed AS (
  SELECT
    q.*,
    CASE q.cost_status
      WHEN 'priced' THEN ROUND(q.unit_price * q.pricing_quantity, 9) WHEN 'committed' THEN CAST(0 AS NUMERIC)
    END AS cost
  FROM payg_rated AS q
),
-- Provider-reported dollars (issue 11 item 5): a model-day the catalog cannot price at all (every
-- token row unpriced) whose provider reported a USD cost for that exact model id carries that amount,
-- spread over its rows in proportion to tokens (each row round(amount x cum / total) minus the same
-- for the rows before it, so the rows add up to the amount exactly), with cost_status
-- 'provider_reported'. The reason the catalog could not price it stays in unpriced_reason.
reported_model_days AS (
  SELECT provider, model, usage_date, SUM(amount) AS reported_usd
  FROM genai_payg_costs_all
  WHERE p_source = 'usage'
    AND usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug AND model IS NOT NULL
  GROUP BY provider, model, usage_date
  HAVING LOGICAL_AND(currency = 'USD') AND SUM(amount) > 0
),
reported_allocations AS (
  SELECT u.provider, u.model, u.usage_date, u.unpriced_tokens, r.reported_usd
  FROM (
    SELECT provider, model, usage_date, SUM(tokens) AS unpriced_tokens
    FROM payg_costed
    WHERE model IS NOT NULL
    GROUP BY provider, model, usage_date
    HAVING LOGICAL_AND(cost_status = 'unpriced' AND consumed_unit = 'Tokens')
  ) AS u
  JOIN reported_model_days AS r ON r.provider = u.provider AND r.model = u.model AND r.usage_date = u.usage_date
),
payg_final AS (
  SELECT q.*
  FROM payg_costed AS q
  LEFT JOIN reported_allocations AS a ON a.provider = q.provider AND a.model = q.model AND a.usage_date = q.usage_date
  WHERE a.provider IS NULL
  UNION ALL
  SELECT
    q.* EXCEPT (cum_tokens, reported_usd, unpriced_tokens) REPLACE ('provider_reported' AS cost_status,
      CAST(ROUND(q.reported_usd * q.cum_tokens / q.unpriced_tokens, 9)
        - ROUND(q.reported_usd * (q.cum_tokens - q.tokens) / q.unpriced_tokens, 9) AS NUMERIC) AS cost)
  FROM (
    SELECT
      q.*, a.reported_usd, a.unpriced_tokens,
      SUM(q.tokens) OVER (
        PARTITION BY q.provider, q.model, q.usage_date
        ORDER BY q.usage_id, q.token_type, q.part_suffix
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS cum_tokens
    FROM payg_costed AS q
    JOIN reported_allocations AS a ON a.provider = q.provider AND a.model = q.model AND a.usage_date = q.usage_date
  ) AS q
),
-- Trial credit (issue 11 item 3): while an own enabled trial plan with trial_credit_usd is valid
-- (effective_date through trial_end_date and end_date; the newest per provider), its credit covers the
-- provider's priced usage in usage order until used up: a row's part is min(credit, spent through it)
-- - min(credit, spent before it), spent counting the trial's earlier days from genai_costs_daily_unified
-- (at most 366 days back), and shows as a Credit row (minus that part) next to the usage row.
trials AS (
  SELECT * EXCEPT (trial_rank)
  FROM (
    SELECT
      subscription_id AS trial_subscription_id, provider, trial_credit_usd,
      effective_date AS trial_first_day,
      LEAST(IFNULL(trial_end_date, DATE '9999-12-31'), IFNULL(end_date, DATE '9999-12-31')) AS trial_last_day,
      ROW_NUMBER() OVER (PARTITION BY provider ORDER BY effective_date DESC, subscription_id) AS trial_rank
    FROM llm_subscriptions
    WHERE p_source = 'usage'
      AND is_enabled AND is_custom AND commitment_type IS NULL AND tier_type = 'trial' AND trial_credit_usd > 0
      AND effective_date < p_end_date
      AND LEAST(IFNULL(trial_end_date, DATE '9999-12-31'), IFNULL(end_date, DATE '9999-12-31')) >= p_start_date
  )
  WHERE trial_rank = 1
),
trial_spent_before AS (
  SELECT t.trial_subscription_id, SUM(c.billed_cost_usd) AS spent_before
  FROM trials AS t
  JOIN genai_costs_daily_unified AS c
    ON c.provider = t.provider AND c.usage_date >= t.trial_first_day AND c.usage_date <= t.trial_last_day
  WHERE c.usage_date >= DATE_SUB(p_start_date, INTERVAL 366 DAY) AND c.usage_date < p_start_date
    AND c.org_slug = p_org_slug AND c.flow = 'payg' AND c.charge_category = 'Usage' AND c.cost_status = 'priced'
  GROUP BY t.trial_subscription_id
),
payg_credited AS (
  SELECT
    r.* EXCEPT (spent_through, trial_credit_usd),
    IF(r.trial_subscription_id IS NULL OR r.cost_status != 'priced', CAST(0 AS NUMERIC),
      LEAST(r.trial_credit_usd, r.spent_through) - LEAST(r.trial_credit_usd, r.spent_through - r.cost)) AS credit_usd
  FROM (
    SELECT
      q.*, t.trial_subscription_id, t.trial_credit_usd,
      IFNULL(ts.spent_before, 0) + SUM(IF(q.cost_status = 'priced', q.cost, 0)) OVER (
        PARTITION BY q.provider, t.trial_subscription_id
        ORDER BY q.usage_date, q.usage_id, q.token_type, q.part_suffix
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS spent_through
    FROM payg_final AS q
    LEFT JOIN trials AS t
      ON t.provider = q.provider AND q.usage_date >= t.trial_first_day AND q.usage_date <= t.trial_last_day
    LEFT JOIN trial_spent_before AS ts ON ts.trial_subscription_id = t.trial_subscription_id
  ) AS r
),
-- Every usage row, and after it the Credit row of the part a trial credit covered.
payg_rows AS (
  SELECT q.*, credit_row
  FROM payg_credited AS q
  CROSS JOIN UNNEST([FALSE, TRUE]) AS credit_row
  WHERE NOT credit_row OR q.credit_usd > 0
)

SELECT
  CONCAT(q.usage_id, ':', q.token_type, q.part_suffix, IF(q.credit_row, ':trial_credit', '')) AS cost_id,
  'payg' AS flow,
  IF(q.credit_row, 'Credit', 'Usage') AS charge_category,
  q.org_slug, q.usage_date, q.provider, q.model, q.region, q.service_tier, q.is_batch, q.project_id, q.api_key_id,
  q.deployment, q.context_window, q.token_type, q.usage_id,
  CASE WHEN q.credit_row THEN q.trial_subscription_id
    WHEN q.cost_status IN ('unpriced', 'provider_reported') THEN NULL ELSE q.pricing_id END AS pricing_id,
  IF(q.credit_row OR q.cost_status IN ('unpriced', 'provider_reported'), NULL, q.price_match) AS price_match,
  CASE WHEN q.credit_row THEN 'trial_credit' ELSE CASE q.cost_status WHEN 'unpriced' THEN NULL
    WHEN 'committed' THEN 'commitment' WHEN 'provider_reported' THEN 'provider_reported'
    ELSE IF(q.free_tokens > 0, 'free_tier', q.price_rule) END END AS price_rule,
  CASE WHEN q.credit_row THEN 'promotional'
    WHEN q.cost_status IN ('unpriced', 'provider_reported') THEN NULL ELSE q.pricing_type END AS pricing_type,
  CASE WHEN q.credit_row THEN TRUE
    WHEN q.cost_status IN ('unpriced', 'provider_reported') THEN NULL ELSE q.is_custom END AS is_custom_price,
  IF(q.credit_row, NULL, CAST(q.tokens AS NUMERIC)) AS consumed_quantity,
  IF(q.credit_row, NULL, q.consumed_unit) AS consumed_unit,
  IF(q.credit_row, NULL, CAST(q.free_tokens AS NUMERIC)) AS free_quantity,
  IF(q.credit_row, NULL, CAST(q.tokens - q.free_tokens AS NUMERIC)) AS billable_quantity,
  IF(q.credit_row, NULL, q.pricing_unit) AS pricing_unit,
  IF(q.credit_row, NULL, q.pricing_quantity) AS pricing_quantity,
  IF(q.credit_row OR q.cost_status IN ('unpriced', 'provider_reported'), NULL, q.list_unit_price) AS list_unit_price,
  CASE WHEN q.credit_row THEN NULL WHEN q.cost_status = 'priced' THEN q.unit_price
    WHEN q.cost_status = 'committed' THEN CAST(0 AS NUMERIC) END AS unit_price,
  CASE WHEN q.credit_row THEN CAST(0 AS NUMERIC) WHEN q.cost_status IN ('unpriced', 'provider_reported') THEN NULL
    ELSE ROUND(q.list_unit_price * q.pricing_quantity, 9) END AS list_cost_usd,
  IF(q.credit_row, -q.credit_usd, q.cost) AS cost_usd,
  IF(q.credit_row, -q.credit_usd, q.cost) AS billed_cost_usd,
  IFNULL(q.currency, 'USD') AS currency,
  IF(q.credit_row, 'priced', q.cost_status) AS cost_status,
  CASE
    WHEN q.credit_row OR q.cost_status NOT IN ('unpriced', 'provider_reported') THEN NULL
    WHEN q.pricing_id IS NULL THEN CONCAT('no enabled price for ', q.provider, ' model ', IFNULL(q.model, '(none)'),
      IF(q.tier_class = 'default', '', CONCAT(' tier ', q.service_tier)))
    ELSE CONCAT('price ', q.pricing_id, ' has no ', REPLACE(q.token_type, '_', ' '), ' rate')
  END AS unpriced_reason,
  CAST(NULL AS STRING) AS commitment_id,
  IF(q.cost_status = 'committed' AND NOT q.credit_row, q.provisioned_commitment_type, NULL) AS commitment_type,
  IF(q.cost_status = 'committed' AND NOT q.credit_row, 'Used', NULL) AS commitment_status,
  CASE WHEN q.credit_row THEN q.trial_subscription_id
    WHEN q.cost_status IN ('unpriced', 'provider_reported') THEN NULL
    ELSE COALESCE(q.discount_subscription_id, IF(q.free_tokens > 0, q.plan_subscription_id, NULL))
  END AS subscription_id,
  CASE
    WHEN NOT q.credit_row AND q.cost_status = 'priced' AND q.unknown_tier_threshold IS NOT NULL
      AND q.token_type IN ('input', 'output', 'cached_input', 'cache_write_5m', 'cache_write_1h')
    THEN CONCAT('context window not reported by the source: priced at the rate for prompts up to ',
      CAST(q.unknown_tier_threshold AS STRING), ' tokens; requests with longer prompts cost more')
  END AS estimate_reason
FROM payg_rows AS q;
