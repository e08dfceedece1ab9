-- THE pay-as-you-go pricing engine, for [p_start_date, p_end_date): every token category of every usage
-- row priced with the price row valid on its day, as genai_costs_daily_unified rows (but consolidated_at).
-- p_source 'usage' prices the providers' daily usage (genai_costs_payg, for sp_genai_2); 'events' prices
-- each per-request usage event (usage_id = its event_key; sp_genai_4a). One implementation for both, so an
-- event's estimate and the bill's computed cost differ only by what was used, never by how it was priced.
--
-- Price choice (one price row per usage row): same provider, enabled, valid on the day
-- (effective_date <= day <= end_date), model id equal or the model id plus a dated snapshot suffix,
-- region equal or unset, service tier equal (flex, priority, ...) or unset for default tiers
-- (genai_ref_service_tiers). Ties: the organization's custom row first, then exact model, regional,
-- tier-specific, newest. Rates per category: batch rate for batch usage (and the same batch ratio on
-- cache reads and writes, which providers discount too); long-context rates for Anthropic's 200k-1M
-- bucket; cached and cache-write rates where the row has them, else the input rate; audio only at an
-- audio rate. Discount: when base_*_price is set, the row's prices are already discounted; otherwise
-- discount_percentage applies to them. Free tiers: billable = max(0, cumulative - free) per reset
-- period (daily, monthly, or never = since effective_date, looking back at most 366 days).
-- No price, or no rate for a category, gives cost_status 'unpriced' and NULL cost, never 0. Tokens
-- served by provisioned capacity are 'committed' at 0: the commitment rows carry the money, and the
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
-- Catalog rows that can price each distinct model: the same id, or the id of which the model is a
-- dated snapshot (gpt-4o-2024-08-06 prices as gpt-4o). The suffix is stripped once per model.
model_prices AS (
  SELECT
    m.provider, m.model, IF(p.model_id = m.model, 'exact', 'snapshot') AS price_match, p.pricing_id,
    p.region AS price_region, p.service_tier AS price_tier, p.is_custom, p.effective_date, p.end_date, p.pricing_type,
    p.currency, p.free_tier_input_tokens, p.free_tier_output_tokens, p.free_tier_reset_frequency,
    p.discount_percentage, p.base_input_price_per_1k, p.base_output_price_per_1k, p.input_price_per_1k,
    p.output_price_per_1k, p.cached_input_price_per_1k, p.cache_write_5m_price_per_1k, p.cache_write_1h_price_per_1k,
    p.batch_input_price_per_1k, p.batch_output_price_per_1k, p.long_context_input_price_per_1k,
    p.long_context_output_price_per_1k, p.audio_input_price_per_1k, p.audio_output_price_per_1k,
    p.web_search_price_per_1k_requests
  FROM (
    SELECT DISTINCT provider, model, REGEXP_REPLACE(model, r'-[0-9]{4}-?[0-9]{2}-?[0-9]{2}$', '') AS snapshot_of
    FROM price_keys
  ) AS m
  JOIN llm_model_pricing AS p
    ON p.provider = m.provider AND p.is_enabled AND (p.model_id = m.model OR p.model_id = m.snapshot_of)
),
chosen AS (
  SELECT * EXCEPT (price_rank)
  FROM (
    SELECT
      k.region, k.tier_class, k.usage_date, mp.*,
      ROW_NUMBER() OVER (
        PARTITION BY k.provider, k.model, k.region, k.tier_class, k.usage_date
        ORDER BY mp.is_custom DESC, IF(mp.price_match = 'exact', 0, 1), IF(mp.price_region IS NULL, 1, 0),
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
        WHEN 'cached_input' THEN IFNULL(p.cached_input_price_per_1k, p.input_price_per_1k) * p.batch_ratio
        WHEN 'cache_write_5m' THEN IFNULL(p.cache_write_5m_price_per_1k, p.input_price_per_1k) * p.batch_ratio
        WHEN 'cache_write_1h' THEN IFNULL(p.cache_write_1h_price_per_1k, p.input_price_per_1k) * p.batch_ratio
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
        WHEN 'cached_input' THEN IF(p.cached_input_price_per_1k IS NULL, 'cache_read_at_input_rate', 'cache_read')
        WHEN 'audio_input' THEN 'audio'
        WHEN 'audio_output' THEN 'audio'
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
        batch_usage, long_context
      FROM (
        SELECT DISTINCT
          pricing_id, discount_percentage, base_input_price_per_1k, base_output_price_per_1k, input_price_per_1k,
          output_price_per_1k, cached_input_price_per_1k, cache_write_5m_price_per_1k, cache_write_1h_price_per_1k,
          batch_input_price_per_1k, batch_output_price_per_1k, long_context_input_price_per_1k,
          long_context_output_price_per_1k, audio_input_price_per_1k, audio_output_price_per_1k,
          web_search_price_per_1k_requests
        FROM chosen
      ) AS p
      CROSS JOIN UNNEST([TRUE, FALSE]) AS batch_usage
      CROSS JOIN UNNEST([TRUE, FALSE]) AS long_context
    ) AS p
    CROSS JOIN genai_ref_token_categories AS c
    WHERE c.flow = 'payg'
  ) AS r
),
-- Every usage row with its price row and, if that price has a free allowance, its period's first day.
priced_usage AS (
  SELECT
    u.*, c.pricing_id, c.price_match, c.pricing_type, c.is_custom, c.currency, c.free_tier_input_tokens,
    c.free_tier_output_tokens,
    IF(c.free_tier_input_tokens IS NULL AND c.free_tier_output_tokens IS NULL, NULL,
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
payg_rated AS (
  SELECT
    q.*, r.rate_per_1k, r.price_rule, r.unit_price, r.list_unit_price,
    -- Exact at 9 decimals (per 1M tokens or 1K requests), so it is NUMERIC like the column it fills.
    CAST(CAST(q.tokens - q.free_tokens AS NUMERIC) * q.pricing_quantity_scale AS NUMERIC) AS pricing_quantity,
    CASE
      WHEN q.tier_class = 'provisioned' THEN 'committed'
      WHEN q.pricing_id IS NULL OR r.rate_per_1k IS NULL THEN 'unpriced'
      ELSE 'priced'
    END AS cost_status
  FROM quantities AS q
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
)
SELECT
  CONCAT(q.usage_id, ':', q.token_type) AS cost_id,
  'payg' AS flow,
  'Usage' AS charge_category,
  q.org_slug, q.usage_date, q.provider, q.model, q.region, q.service_tier, q.is_batch, q.project_id, q.api_key_id,
  q.deployment, q.context_window, q.token_type, q.usage_id,
  IF(q.cost_status = 'unpriced', NULL, q.pricing_id) AS pricing_id,
  IF(q.cost_status = 'unpriced', NULL, q.price_match) AS price_match,
  CASE q.cost_status WHEN 'unpriced' THEN NULL WHEN 'committed' THEN 'commitment'
    ELSE IF(q.free_tokens > 0, 'free_tier', q.price_rule) END AS price_rule,
  IF(q.cost_status = 'unpriced', NULL, q.pricing_type) AS pricing_type,
  IF(q.cost_status = 'unpriced', NULL, q.is_custom) AS is_custom_price,
  CAST(q.tokens AS NUMERIC) AS consumed_quantity,
  q.consumed_unit,
  CAST(q.free_tokens AS NUMERIC) AS free_quantity,
  CAST(q.tokens - q.free_tokens AS NUMERIC) AS billable_quantity,
  q.pricing_unit,
  q.pricing_quantity,
  IF(q.cost_status = 'unpriced', NULL, q.list_unit_price) AS list_unit_price,
  CASE q.cost_status WHEN 'priced' THEN q.unit_price WHEN 'committed' THEN CAST(0 AS NUMERIC) END AS unit_price,
  IF(q.cost_status = 'unpriced', NULL, ROUND(q.list_unit_price * q.pricing_quantity, 9)) AS list_cost_usd,
  q.cost AS cost_usd,
  q.cost AS billed_cost_usd,
  IFNULL(q.currency, 'USD') AS currency,
  q.cost_status,
  CASE
    WHEN q.cost_status != 'unpriced' THEN NULL
    WHEN q.pricing_id IS NULL THEN CONCAT('no enabled price for ', q.provider, ' model ', IFNULL(q.model, '(none)'),
      IF(q.tier_class = 'default', '', CONCAT(' tier ', q.service_tier)))
    ELSE CONCAT('price ', q.pricing_id, ' has no ', REPLACE(q.token_type, '_', ' '), ' rate')
  END AS unpriced_reason,
  CAST(NULL AS STRING) AS commitment_id,
  IF(q.cost_status = 'committed', q.provisioned_commitment_type, NULL) AS commitment_type,
  IF(q.cost_status = 'committed', 'Used', NULL) AS commitment_status
FROM payg_costed AS q;
