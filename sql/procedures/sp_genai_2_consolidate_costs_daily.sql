-- Usage becomes money: every token category of every daily usage row is priced with the price
-- row valid on its day, into genai_costs_daily_unified, replacing exactly [p_start_date, p_end_date).
--
-- Price choice (one row per usage row): same provider, enabled, valid on the day
-- (effective_date <= day <= end_date), model id equal or the model id plus a dated snapshot suffix,
-- region equal or unset, service tier equal (flex, priority, ...) or unset for default tiers.
-- Ties: the organization's custom row first, then exact model, regional, tier-specific, newest.
-- Rates per category: batch rate for batch usage (and the same batch ratio on cache reads and
-- writes, which providers discount too); long-context rates for Anthropic's 200k-1M bucket; cached
-- and cache-write rates where the row has them, else the input rate; audio only at an audio rate.
-- Discount: when base_*_price is set, the row's prices are already discounted; otherwise
-- discount_percentage applies to them. Free tiers: billable = max(0, cumulative - free) per reset
-- period (daily, monthly, or never = since effective_date, looking back at most 366 days).
-- No price, or no rate for a category, gives cost_status 'unpriced' and NULL cost, never 0.
-- Tokens served by provisioned capacity get cost_status 'committed' (the commitment rows carry the money).
CREATE OR REPLACE PROCEDURE sp_genai_2_consolidate_costs_daily(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_costs_daily_unified
  WHERE usage_date >= p_start_date AND usage_date < p_end_date;

  INSERT INTO genai_costs_daily_unified (
    cost_id, flow, charge_category, org_slug, usage_date, provider, model, region, service_tier, is_batch,
    project_id, api_key_id, deployment, context_window, token_type, usage_id, pricing_id, price_match,
    price_rule, pricing_type, is_custom_price, consumed_quantity, consumed_unit, free_quantity,
    billable_quantity, pricing_unit, pricing_quantity, list_unit_price, unit_price, list_cost_usd, cost_usd, billed_cost_usd,
    currency, cost_status, unpriced_reason, commitment_id, commitment_type, commitment_status, consolidated_at
  )
  WITH usage_window AS (
    SELECT
      *,
      -- Providers name tiers differently: on-demand tiers price at the default rate, provisioned
      -- capacity (PTU deployments, dedicated GSU, provisioned model units) is paid by its
      -- commitment, and anything else (flex, priority, ...) needs a price row for that tier.
      CASE
        WHEN service_tier IS NULL OR LOWER(service_tier) IN ('default', 'standard', 'auto', 'batch', 'on_demand',
          'shared', 'spillover', 'globalstandard', 'datazonestandard', 'globalbatch', 'datazonebatch') THEN 'default'
        WHEN LOWER(service_tier) IN ('provisioned', 'dedicated', 'reserved', 'provisionedmanaged',
          'globalprovisionedmanaged', 'datazoneprovisionedmanaged') THEN 'provisioned'
        ELSE LOWER(service_tier)
      END AS tier_class
    FROM genai_usage_daily
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
  ),
  history AS (
    -- Only for free tiers that started before the window.
    SELECT provider, model, usage_date, input_uncached_tokens, output_tokens
    FROM genai_usage_daily
    WHERE usage_date >= DATE_SUB(p_start_date, INTERVAL 366 DAY) AND usage_date < p_start_date
      AND org_slug = p_org_slug
  ),
  -- The price depends only on these keys, not on project or key: resolve it once per key
  -- (thousands) rather than once per usage row (millions).
  price_keys AS (
    SELECT DISTINCT provider, model, region, tier_class, usage_date FROM usage_window
  ),
  candidates AS (
    SELECT
      k.provider, k.model, k.region, k.tier_class, k.usage_date,
      p.pricing_id, p.is_custom, p.pricing_type, p.effective_date AS price_effective_date,
      p.input_price_per_1k, p.output_price_per_1k, p.cached_input_price_per_1k, p.cache_write_5m_price_per_1k,
      p.cache_write_1h_price_per_1k, p.batch_input_price_per_1k, p.batch_output_price_per_1k,
      p.long_context_input_price_per_1k, p.long_context_output_price_per_1k, p.audio_input_price_per_1k,
      p.audio_output_price_per_1k, p.web_search_price_per_1k_requests, p.base_input_price_per_1k,
      p.base_output_price_per_1k, p.discount_percentage, p.free_tier_input_tokens, p.free_tier_output_tokens,
      p.free_tier_reset_frequency, p.currency,
      IF(p.model_id = k.model, 'exact', 'snapshot') AS price_match,
      ROW_NUMBER() OVER (
        PARTITION BY k.provider, k.model, k.region, k.tier_class, k.usage_date
        ORDER BY p.is_custom DESC, IF(p.model_id = k.model, 0, 1), IF(p.region IS NULL, 1, 0),
          IF(p.service_tier IS NULL, 1, 0), p.effective_date DESC, p.pricing_id
      ) AS price_rank
    FROM price_keys AS k
    JOIN llm_model_pricing AS p
      ON p.provider = k.provider
      AND p.is_enabled
      AND (p.model_id = k.model
        OR REGEXP_CONTAINS(k.model, CONCAT('^', p.model_id, '-[0-9]{4}-?[0-9]{2}-?[0-9]{2}$')))
      AND p.effective_date <= k.usage_date
      AND (p.end_date IS NULL OR k.usage_date <= p.end_date)
      AND (p.region IS NULL OR p.region = k.region)
      AND IF(k.tier_class IN ('default', 'provisioned'), p.service_tier IS NULL, LOWER(p.service_tier) = k.tier_class)
  ),
  priced AS (
    SELECT
      u.*,
      b.pricing_id, b.is_custom, b.pricing_type, b.price_match, b.free_tier_input_tokens,
      b.free_tier_output_tokens, b.free_tier_reset_frequency, b.currency,
      (IFNULL(u.is_batch, FALSE) OR u.service_tier = 'batch') AS batch_usage,
      (u.context_window = '200k-1M') AS long_context,
      -- Discount multiplier when the row's prices are list prices with a percentage off.
      IF(b.base_input_price_per_1k IS NULL AND b.discount_percentage IS NOT NULL,
        CAST('1' AS NUMERIC) - b.discount_percentage * CAST('0.01' AS NUMERIC), CAST('1' AS NUMERIC)) AS discount_factor,
      b.input_price_per_1k, b.output_price_per_1k, b.cached_input_price_per_1k, b.cache_write_5m_price_per_1k,
      b.cache_write_1h_price_per_1k, b.batch_input_price_per_1k, b.batch_output_price_per_1k,
      b.long_context_input_price_per_1k, b.long_context_output_price_per_1k, b.audio_input_price_per_1k,
      b.audio_output_price_per_1k, b.web_search_price_per_1k_requests, b.base_input_price_per_1k,
      b.base_output_price_per_1k,
      CASE b.free_tier_reset_frequency
        WHEN 'daily' THEN u.usage_date
        WHEN 'monthly' THEN DATE_TRUNC(u.usage_date, MONTH)
        WHEN 'never' THEN GREATEST(b.price_effective_date, DATE_SUB(p_start_date, INTERVAL 366 DAY))
      END AS free_period_start
    FROM usage_window AS u
    LEFT JOIN candidates AS b
      ON b.price_rank = 1 AND b.provider = u.provider AND IFNULL(b.model, '') = IFNULL(u.model, '')
      AND IFNULL(b.region, '') = IFNULL(u.region, '') AND b.tier_class = u.tier_class AND b.usage_date = u.usage_date
  ),
  free_periods AS (
    SELECT DISTINCT provider, model, free_period_start
    FROM priced
    WHERE free_period_start < p_start_date
  ),
  prior AS (
    SELECT f.provider, f.model, f.free_period_start,
      SUM(h.input_uncached_tokens) AS prior_input, SUM(h.output_tokens) AS prior_output
    FROM free_periods AS f
    JOIN history AS h ON h.provider = f.provider AND h.model = f.model AND h.usage_date >= f.free_period_start
    GROUP BY f.provider, f.model, f.free_period_start
  ),
  -- Running totals per free-tier period, only for rows whose price has a free tier (sorting
  -- every usage row for a window function would cost more than the rest of the pricing).
  free_running AS (
    SELECT
      pr.usage_id,
      IFNULL(po.prior_input, 0) + SUM(pr.input_uncached_tokens) OVER free_period AS cum_input,
      IFNULL(po.prior_output, 0) + SUM(pr.output_tokens) OVER free_period AS cum_output
    FROM priced AS pr
    LEFT JOIN prior AS po
      ON po.provider = pr.provider AND po.model = pr.model AND po.free_period_start = pr.free_period_start
    WHERE pr.free_period_start IS NOT NULL
    WINDOW free_period AS (
      PARTITION BY pr.provider, pr.model, pr.free_period_start
      ORDER BY pr.usage_date, pr.usage_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
  ),
  rated AS (
    SELECT
      pr.*,
      IFNULL(fr.cum_input, 0) AS cum_input,
      IFNULL(fr.cum_output, 0) AS cum_output,
      IF(pr.batch_usage AND pr.batch_input_price_per_1k IS NOT NULL AND pr.input_price_per_1k > 0,
        CAST(pr.batch_input_price_per_1k / pr.input_price_per_1k AS NUMERIC), CAST('1' AS NUMERIC)) AS batch_ratio,
      CASE
        WHEN pr.batch_usage AND pr.batch_input_price_per_1k IS NOT NULL THEN 'batch'
        WHEN pr.long_context AND pr.long_context_input_price_per_1k IS NOT NULL THEN 'long_context'
        ELSE 'standard'
      END AS base_rule
    FROM priced AS pr
    LEFT JOIN free_running AS fr ON fr.usage_id = pr.usage_id
  ),
  -- One row per token type present: quantities, free part, rate and rule of each category.
  categories AS (
    SELECT
      r.*,
      token_type,
      CASE token_type
        WHEN 'input' THEN r.input_uncached_tokens WHEN 'cached_input' THEN r.input_cached_tokens
        WHEN 'cache_write_5m' THEN r.cache_write_5m_tokens WHEN 'cache_write_1h' THEN r.cache_write_1h_tokens
        WHEN 'audio_input' THEN r.input_audio_tokens WHEN 'output' THEN r.output_tokens
        WHEN 'audio_output' THEN r.output_audio_tokens WHEN 'web_search' THEN IFNULL(r.web_search_requests, 0)
      END AS tokens
    FROM rated AS r
    CROSS JOIN UNNEST(['input', 'cached_input', 'cache_write_5m', 'cache_write_1h', 'audio_input', 'output',
      'audio_output', 'web_search']) AS token_type
  ),
  rates AS (
    SELECT
      c.*,
      CASE c.token_type
        -- The part of this row inside the period's free allowance: min(cum, free) - min(cum before, free).
        WHEN 'input' THEN IF(c.free_tier_input_tokens IS NULL OR c.free_period_start IS NULL, 0,
          GREATEST(0, LEAST(c.cum_input, c.free_tier_input_tokens)
            - LEAST(c.cum_input - c.input_uncached_tokens, c.free_tier_input_tokens)))
        WHEN 'output' THEN IF(c.free_tier_output_tokens IS NULL OR c.free_period_start IS NULL, 0,
          GREATEST(0, LEAST(c.cum_output, c.free_tier_output_tokens)
            - LEAST(c.cum_output - c.output_tokens, c.free_tier_output_tokens)))
        ELSE 0
      END AS free_tokens,
      CASE c.token_type
        WHEN 'input' THEN CASE c.base_rule WHEN 'batch' THEN c.batch_input_price_per_1k
          WHEN 'long_context' THEN c.long_context_input_price_per_1k ELSE c.input_price_per_1k END
        WHEN 'output' THEN CASE
          WHEN c.batch_usage AND c.batch_output_price_per_1k IS NOT NULL THEN c.batch_output_price_per_1k
          WHEN c.long_context AND c.long_context_output_price_per_1k IS NOT NULL THEN c.long_context_output_price_per_1k
          ELSE c.output_price_per_1k END
        WHEN 'cached_input' THEN IFNULL(c.cached_input_price_per_1k, c.input_price_per_1k) * c.batch_ratio
        WHEN 'cache_write_5m' THEN IFNULL(c.cache_write_5m_price_per_1k, c.input_price_per_1k) * c.batch_ratio
        WHEN 'cache_write_1h' THEN IFNULL(c.cache_write_1h_price_per_1k, c.input_price_per_1k) * c.batch_ratio
        WHEN 'audio_input' THEN c.audio_input_price_per_1k
        WHEN 'audio_output' THEN c.audio_output_price_per_1k
        WHEN 'web_search' THEN c.web_search_price_per_1k_requests
      END AS rate_per_1k,
      CASE c.token_type
        WHEN 'input' THEN IF(c.base_rule = 'standard', c.base_input_price_per_1k, NULL)
        WHEN 'output' THEN IF(c.base_rule = 'standard', c.base_output_price_per_1k, NULL)
      END AS base_rate_per_1k,
      CASE c.token_type
        WHEN 'input' THEN c.base_rule
        WHEN 'output' THEN CASE
          WHEN c.batch_usage AND c.batch_output_price_per_1k IS NOT NULL THEN 'batch'
          WHEN c.long_context AND c.long_context_output_price_per_1k IS NOT NULL THEN 'long_context'
          ELSE 'standard' END
        WHEN 'cached_input' THEN IF(c.cached_input_price_per_1k IS NULL, 'cache_read_at_input_rate', 'cache_read')
        WHEN 'audio_input' THEN 'audio' WHEN 'audio_output' THEN 'audio'
        ELSE c.token_type
      END AS price_rule,
      -- Tokens are priced per 1,000,000 (FOCUS "1000000 Tokens"), web search per 1,000 requests.
      IF(c.token_type = 'web_search', 'Requests', 'Tokens') AS consumed_unit,
      IF(c.token_type = 'web_search', '1000 Requests', '1000000 Tokens') AS pricing_unit,
      IF(c.token_type = 'web_search', CAST('0.001' AS NUMERIC), CAST('0.000001' AS NUMERIC)) AS unit_scale,
      IF(c.token_type = 'web_search', CAST('1' AS NUMERIC), CAST('1000' AS NUMERIC)) AS rate_to_unit
    FROM categories AS c
    WHERE c.tokens > 0
  ),
  costed AS (
    SELECT
      r.*,
      r.tokens - r.free_tokens AS billable_tokens,
      CAST(r.rate_per_1k * r.discount_factor * r.rate_to_unit AS NUMERIC) AS unit_price,
      CAST(IFNULL(r.base_rate_per_1k, r.rate_per_1k) * r.rate_to_unit AS NUMERIC) AS list_unit_price,
      CAST(r.tokens - r.free_tokens AS NUMERIC) * r.unit_scale AS pricing_quantity,
      CASE
        WHEN r.tier_class = 'provisioned' THEN NULL
        WHEN r.pricing_id IS NULL THEN CONCAT('no enabled price for ', r.provider, ' model ', IFNULL(r.model, '(none)'),
          IF(r.tier_class = 'default', '', CONCAT(' tier ', r.service_tier)))
        WHEN r.rate_per_1k IS NULL THEN CONCAT('price ', r.pricing_id, ' has no ', REPLACE(r.token_type, '_', ' '), ' rate')
      END AS unpriced_reason,
      -- Tokens served by provisioned capacity cost nothing per token: the commitment rows carry
      -- their money. Their on-demand list cost is kept to show what the commitment saved.
      CASE
        WHEN r.tier_class = 'provisioned' THEN 'committed'
        WHEN r.pricing_id IS NULL OR r.rate_per_1k IS NULL THEN 'unpriced'
        ELSE 'priced'
      END AS cost_status
    FROM rates AS r
  )
  SELECT
    CONCAT(usage_id, ':', token_type) AS cost_id,
    'payg' AS flow,
    'Usage' AS charge_category,
    org_slug, usage_date, provider, model, region, service_tier, is_batch, project_id, api_key_id, deployment,
    context_window, token_type, usage_id,
    IF(cost_status = 'unpriced', NULL, pricing_id) AS pricing_id,
    IF(cost_status = 'unpriced', NULL, price_match) AS price_match,
    CASE cost_status WHEN 'unpriced' THEN NULL WHEN 'committed' THEN 'commitment'
      ELSE IF(free_tokens > 0, 'free_tier', price_rule) END AS price_rule,
    IF(cost_status = 'unpriced', NULL, pricing_type) AS pricing_type,
    IF(cost_status = 'unpriced', NULL, is_custom) AS is_custom_price,
    CAST(tokens AS NUMERIC) AS consumed_quantity,
    consumed_unit,
    CAST(free_tokens AS NUMERIC) AS free_quantity,
    CAST(billable_tokens AS NUMERIC) AS billable_quantity,
    pricing_unit,
    pricing_quantity,
    IF(cost_status = 'unpriced', NULL, list_unit_price) AS list_unit_price,
    CASE cost_status WHEN 'priced' THEN unit_price WHEN 'committed' THEN CAST(0 AS NUMERIC) END AS unit_price,
    IF(cost_status = 'unpriced', NULL,
      ROUND(list_unit_price * pricing_quantity, 9)) AS list_cost_usd,
    CASE cost_status
      WHEN 'priced' THEN ROUND(unit_price * pricing_quantity, 9)
      WHEN 'committed' THEN CAST(0 AS NUMERIC)
    END AS cost_usd,
    CASE cost_status
      WHEN 'priced' THEN ROUND(unit_price * pricing_quantity, 9)
      WHEN 'committed' THEN CAST(0 AS NUMERIC)
    END AS billed_cost_usd,
    IFNULL(currency, 'USD') AS currency,
    cost_status,
    unpriced_reason,
    CAST(NULL AS STRING) AS commitment_id,
    IF(cost_status = 'committed',
      CASE provider WHEN 'azure_openai' THEN 'azure_ptu' WHEN 'aws_bedrock' THEN 'bedrock_pt' ELSE 'vertex_gsu' END,
      NULL) AS commitment_type,
    IF(cost_status = 'committed', 'Used', NULL) AS commitment_status,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM costed;


  -- Commitments (Azure PTU, Bedrock provisioned throughput, Vertex GSU): per commitment and day,
  -- a Purchase row (billed: units x active hours x hourly unit price; effective 0) and Used /
  -- Unused usage rows that split that amount by measured utilization. Unused = purchase - used,
  -- exactly, so the two always add back to the purchase. Hours with unknown utilization count as
  -- used (price_rule commitment_utilization_unknown) rather than inventing waste.
  INSERT INTO genai_costs_daily_unified (
    cost_id, flow, charge_category, org_slug, usage_date, provider, model, region, service_tier, is_batch,
    project_id, api_key_id, deployment, context_window, token_type, usage_id, pricing_id, price_match,
    price_rule, pricing_type, is_custom_price, consumed_quantity, consumed_unit, free_quantity,
    billable_quantity, pricing_unit, pricing_quantity, list_unit_price, unit_price, list_cost_usd, cost_usd, billed_cost_usd,
    currency, cost_status, unpriced_reason, commitment_id, commitment_type, commitment_status, consolidated_at
  )
  WITH capacity AS (
    SELECT * FROM genai_commitment_azure_openai_capacity
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
    UNION ALL
    SELECT * FROM genai_commitment_aws_bedrock_capacity
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
    UNION ALL
    SELECT * FROM genai_commitment_vertex_ai_capacity
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
  ),
  daily AS (
    SELECT
      provider, commitment_type, commitment_id, usage_date, capacity_unit, hourly_unit_price_usd,
      ANY_VALUE(commitment_name) AS commitment_name, ANY_VALUE(model) AS model, ANY_VALUE(region) AS region,
      ANY_VALUE(price_source) AS price_source,
      ROUND(SUM(provisioned_units * active_fraction), 9) AS unit_hours,
      ROUND(SUM(provisioned_units * active_fraction * IFNULL(utilization, 1)), 9) AS used_unit_hours,
      LOGICAL_OR(utilization IS NULL) AS utilization_unknown
    FROM capacity
    GROUP BY provider, commitment_type, commitment_id, usage_date, capacity_unit, hourly_unit_price_usd
  ),
  priced AS (
    SELECT
      d.*,
      CASE d.capacity_unit WHEN 'PTU' THEN 'PTU-Hours' WHEN 'GSU' THEN 'GSU-Hours' ELSE 'MU-Hours' END AS hour_unit,
      ROUND(d.hourly_unit_price_usd * d.unit_hours, 9) AS purchase_usd,
      ROUND(d.hourly_unit_price_usd * d.used_unit_hours, 9) AS used_usd
    FROM daily AS d
  ),
  charges AS (
    SELECT p.*, 'Purchase' AS charge_category, CAST(NULL AS STRING) AS status, p.unit_hours AS quantity,
      CAST(0 AS NUMERIC) AS effective_usd, p.purchase_usd AS billed_usd
    FROM priced AS p
    UNION ALL
    SELECT p.*, 'Usage', 'Used', p.used_unit_hours, p.used_usd, CAST(0 AS NUMERIC)
    FROM priced AS p
    UNION ALL
    SELECT p.*, 'Usage', 'Unused', p.unit_hours - p.used_unit_hours, p.purchase_usd - p.used_usd, CAST(0 AS NUMERIC)
    FROM priced AS p
  )
  SELECT
    TO_HEX(SHA256(CONCAT(commitment_id, '|', CAST(usage_date AS STRING), '|', charge_category, '|', IFNULL(status, ''),
      '|', IFNULL(CAST(hourly_unit_price_usd AS STRING), '')))) AS cost_id,
    'commitment' AS flow,
    charge_category,
    p_org_slug AS org_slug, usage_date, provider, model, region,
    CAST(NULL AS STRING) AS service_tier, CAST(NULL AS BOOL) AS is_batch, CAST(NULL AS STRING) AS project_id,
    CAST(NULL AS STRING) AS api_key_id, commitment_name AS deployment, CAST(NULL AS STRING) AS context_window,
    'capacity' AS token_type,
    CAST(NULL AS STRING) AS usage_id,
    IF(hourly_unit_price_usd IS NULL, NULL, CONCAT(IFNULL(price_source, 'configured'), ':', commitment_id)) AS pricing_id,
    CAST(NULL AS STRING) AS price_match,
    IF(hourly_unit_price_usd IS NULL, NULL,
      IF(utilization_unknown AND status = 'Used', 'commitment_utilization_unknown', 'commitment')) AS price_rule,
    IF(hourly_unit_price_usd IS NULL, NULL, 'committed_use') AS pricing_type,
    IF(hourly_unit_price_usd IS NULL, NULL, price_source = 'llm_subscriptions') AS is_custom_price,
    IF(status = 'Used', quantity, NULL) AS consumed_quantity,
    IF(status = 'Used', hour_unit, NULL) AS consumed_unit,
    CAST(0 AS NUMERIC) AS free_quantity,
    quantity AS billable_quantity,
    hour_unit AS pricing_unit,
    quantity AS pricing_quantity,
    hourly_unit_price_usd AS list_unit_price,
    hourly_unit_price_usd AS unit_price,
    ROUND(hourly_unit_price_usd * quantity, 9) AS list_cost_usd,
    IF(hourly_unit_price_usd IS NULL, NULL, effective_usd) AS cost_usd,
    IF(hourly_unit_price_usd IS NULL, NULL, billed_usd) AS billed_cost_usd,
    'USD' AS currency,
    IF(hourly_unit_price_usd IS NULL, 'unpriced', 'priced') AS cost_status,
    IF(hourly_unit_price_usd IS NULL, CONCAT('no hourly unit price for ', commitment_type, ' ', commitment_id,
      ': set llm_subscriptions.unit_hourly_price_usd'), NULL) AS unpriced_reason,
    commitment_id, commitment_type, status AS commitment_status,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM charges;

  -- Infrastructure: Vertex AI GPU hours x the SKU's rate per GPU-hour, per endpoint and model.
  INSERT INTO genai_costs_daily_unified (
    cost_id, flow, charge_category, org_slug, usage_date, provider, model, region, service_tier, is_batch,
    project_id, api_key_id, deployment, context_window, token_type, usage_id, pricing_id, price_match,
    price_rule, pricing_type, is_custom_price, consumed_quantity, consumed_unit, free_quantity,
    billable_quantity, pricing_unit, pricing_quantity, list_unit_price, unit_price, list_cost_usd, cost_usd, billed_cost_usd,
    currency, cost_status, unpriced_reason, commitment_id, commitment_type, commitment_status, consolidated_at
  )
  WITH gpu AS (
    SELECT
      usage_date, endpoint_id, deployed_model_id, model, region, accelerator_type, hourly_rate_usd, sku_id,
      SUM(gpu_hours) AS gpu_hours
    FROM genai_infrastructure_vertex_ai_gpu
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
    GROUP BY usage_date, endpoint_id, deployed_model_id, model, region, accelerator_type, hourly_rate_usd, sku_id
  )
  SELECT
    TO_HEX(SHA256(CONCAT(endpoint_id, '|', deployed_model_id, '|', accelerator_type, '|', CAST(usage_date AS STRING),
      '|', IFNULL(CAST(hourly_rate_usd AS STRING), '')))) AS cost_id,
    'infrastructure' AS flow,
    'Usage' AS charge_category,
    p_org_slug AS org_slug, usage_date, 'vertex_ai' AS provider, model, region,
    CAST(NULL AS STRING) AS service_tier, CAST(NULL AS BOOL) AS is_batch, CAST(NULL AS STRING) AS project_id,
    CAST(NULL AS STRING) AS api_key_id, CONCAT(endpoint_id, '/', deployed_model_id) AS deployment,
    CAST(NULL AS STRING) AS context_window,
    'gpu_hours' AS token_type,
    CAST(NULL AS STRING) AS usage_id,
    IF(hourly_rate_usd IS NULL, NULL, CONCAT('billing_export:', IFNULL(sku_id, accelerator_type))) AS pricing_id,
    CAST(NULL AS STRING) AS price_match,
    IF(hourly_rate_usd IS NULL, NULL, 'gpu_hours') AS price_rule,
    IF(hourly_rate_usd IS NULL, NULL, 'standard') AS pricing_type,
    IF(hourly_rate_usd IS NULL, NULL, FALSE) AS is_custom_price,
    gpu_hours AS consumed_quantity,
    'GPU-Hours' AS consumed_unit,
    CAST(0 AS NUMERIC) AS free_quantity,
    gpu_hours AS billable_quantity,
    'GPU-Hours' AS pricing_unit,
    gpu_hours AS pricing_quantity,
    hourly_rate_usd AS list_unit_price,
    hourly_rate_usd AS unit_price,
    ROUND(hourly_rate_usd * gpu_hours, 9) AS list_cost_usd,
    ROUND(hourly_rate_usd * gpu_hours, 9) AS cost_usd,
    ROUND(hourly_rate_usd * gpu_hours, 9) AS billed_cost_usd,
    'USD' AS currency,
    IF(hourly_rate_usd IS NULL, 'unpriced', 'priced') AS cost_status,
    IF(hourly_rate_usd IS NULL, CONCAT('no GPU-hour rate for ', accelerator_type, ' in ', IFNULL(region, '?')), NULL)
      AS unpriced_reason,
    CAST(NULL AS STRING) AS commitment_id, CAST(NULL AS STRING) AS commitment_type,
    CAST(NULL AS STRING) AS commitment_status,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM gpu;
END;
