-- Unified daily costs for [p_start_date, p_end_date) into the FOCUS 1.3 Cost and Usage dataset
-- (cost_data_standard_1_3), replacing exactly that window. One FOCUS row per priced unified row:
-- per token type (SkuMeter) for usage and GPU hours; a Recurring Purchase (billed, effective 0) and
-- Used / Unused rows (whose EffectiveCost adds up to it) per commitment and day; a Recurring Purchase
-- per plan fee and day (billed and effective: a plan fee is not amortized into usage). Unpriced usage is
-- not converted: FOCUS has no null cost and booking it at 0 would hide it; genai_pricing_coverage
-- shows it instead. Provider, service, publisher and meter names come from the reference tables
-- rendered from the provider catalog (genai_ref_providers, genai_ref_model_publishers,
-- genai_ref_token_categories, genai_ref_commitment_types). The Contract Commitment dataset is written by
-- sp_genai_3b_convert_commitments_to_focus.
CREATE OR REPLACE PROCEDURE sp_genai_3_convert_to_focus(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM cost_data_standard_1_3
  WHERE ChargePeriodStart >= TIMESTAMP(p_start_date) AND ChargePeriodStart < TIMESTAMP(p_end_date);

  INSERT INTO cost_data_standard_1_3 (
    AllocatedMethodDetails, AllocatedMethodId, AllocatedResourceId, AllocatedResourceName, AllocatedTags,
    AvailabilityZone, BilledCost, BillingAccountId, BillingAccountName, BillingAccountType, BillingCurrency,
    BillingPeriodEnd, BillingPeriodStart, CapacityReservationId, CapacityReservationStatus, ChargeCategory,
    ChargeClass, ChargeDescription, ChargeFrequency, ChargePeriodEnd, ChargePeriodStart,
    CommitmentDiscountCategory, CommitmentDiscountId, CommitmentDiscountName, CommitmentDiscountQuantity,
    CommitmentDiscountStatus, CommitmentDiscountType, CommitmentDiscountUnit, ConsumedQuantity, ConsumedUnit,
    ContractApplied, ContractedCost, ContractedUnitPrice, EffectiveCost, HostProviderName, InvoiceId,
    InvoiceIssuerName, ListCost, ListUnitPrice, PricingCategory, PricingCurrency,
    PricingCurrencyContractedUnitPrice, PricingCurrencyEffectiveCost, PricingCurrencyListUnitPrice,
    PricingQuantity, PricingUnit, ProviderName, PublisherName, RegionId, RegionName, ResourceId, ResourceName,
    ResourceType, ServiceCategory, ServiceName, ServiceProviderName, ServiceSubcategory, SkuId, SkuMeter,
    SkuPriceDetails, SkuPriceId, SubAccountId, SubAccountName, SubAccountType, Tags,
    x_OrgSlug, x_CostId, x_UsageId, x_PricingId, x_Provider, x_ModelId, x_TokenType, x_Flow, x_ApiKeyId,
    x_ConvertedAt, x_EstimateReason
  )
  WITH costs AS (
    SELECT *
    FROM genai_costs_daily_unified
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug AND cost_status = 'priced'
  ),
  -- Names, periods and SKUs depend on a few columns, not on the row: each is computed once per
  -- distinct value (tens to hundreds) and joined, instead of once per row (millions).
  models AS (
    SELECT DISTINCT provider, model
    FROM genai_costs_daily_unified
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug AND cost_status = 'priced'
  ),
  -- The model's developer, for the deprecated but still mandatory PublisherName: the provider's own
  -- models, or on a marketplace the longest matching model-id prefix, or the provider's fallback.
  prefix_publishers AS (
    SELECT k.provider, k.model, mp.publisher_name,
      ROW_NUMBER() OVER (PARTITION BY k.provider, k.model ORDER BY LENGTH(mp.model_prefix) DESC) AS prefix_rank
    FROM models AS k
    CROSS JOIN genai_ref_model_publishers AS mp
    WHERE STARTS_WITH(IFNULL(k.model, ''), mp.model_prefix)
  ),
  model_names AS (
    SELECT
      k.provider, IFNULL(k.model, '') AS model_key, p.provider_name, p.service_name, p.service_subcategory,
      p.subaccount_type, COALESCE(p.publisher_name, pp.publisher_name, p.fallback_publisher_name) AS publisher_name,
      CONCAT(p_org_slug, '/', k.provider) AS billing_account_id,
      CONCAT(p_org_slug, ' on ', p.service_name) AS billing_account_name
    FROM models AS k
    LEFT JOIN genai_ref_providers AS p ON p.provider = k.provider
    LEFT JOIN prefix_publishers AS pp
      ON pp.provider = k.provider AND IFNULL(pp.model, '') = IFNULL(k.model, '') AND pp.prefix_rank = 1
  ),
  days AS (
    SELECT
      usage_date,
      TIMESTAMP(usage_date) AS period_start,
      TIMESTAMP(DATE_ADD(usage_date, INTERVAL 1 DAY)) AS period_end,
      TIMESTAMP(DATE_TRUNC(usage_date, MONTH)) AS billing_start,
      TIMESTAMP(DATE_ADD(DATE_TRUNC(usage_date, MONTH), INTERVAL 1 MONTH)) AS billing_end
    FROM (
      SELECT DISTINCT usage_date
      FROM genai_costs_daily_unified
      WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
    )
  ),
  -- SKU and price identity of usage and GPU-hour rows (commitment rows build theirs per row). A
  -- SkuId is what is sold: a model's token category, or GPU hours of one billing SKU (whatever model
  -- runs on it). A SkuPriceId is one price of exactly one SKU (FOCUS SkuPriceId-C-008): the SkuId
  -- plus the price row and rule applied; a GPU SKU has its one price, so its SkuPriceId is its SkuId.
  skus AS (
    SELECT
      k.*,
      IFNULL(t.sku_meter, IF(k.flow = 'plan', 'Plan Fee', k.token_type)) AS sku_meter,
      -- A committed-use discount gives the same SKU another price: its subscription is part of the id.
      CASE
        WHEN k.flow = 'infrastructure' THEN k.sku_id
        ELSE CONCAT(k.sku_id, '|', k.pricing_id, ':', k.price_rule, IFNULL(CONCAT('|', k.subscription_key), ''))
      END AS sku_price_id,
      TO_JSON(STRUCT(IF(k.model_key = '', NULL, k.model_key) AS x_ModelId, k.token_type AS x_TokenType,
        k.price_rule AS x_PriceRule, k.price_match AS x_PriceMatch, k.pricing_type AS x_PricingType,
        IF(k.subscription_key = '', NULL, k.subscription_key) AS x_SubscriptionId)) AS sku_price_details,
      IF(k.flow = 'plan', CONCAT(k.provider, ' plan ', k.plan_name, ' (daily prorated fee)'),
        CONCAT(IF(k.model_key = '', 'unknown model', k.model_key), ' ', IFNULL(t.sku_meter, k.token_type),
          IF(k.price_rule = 'batch', ' (batch)', ''), IF(k.price_rule = 'long_context', ' (long context)', ''),
          IF(k.price_rule = 'free_tier', ' (free tier)', ''))) AS charge_description
    FROM (
      SELECT DISTINCT
        flow, provider, IFNULL(model, '') AS model_key, token_type, pricing_id, price_rule, price_match, pricing_type,
        IFNULL(subscription_id, '') AS subscription_key, IF(flow = 'plan', deployment, NULL) AS plan_name,
        CASE
          WHEN flow = 'infrastructure' THEN CONCAT(provider, ':', token_type, ':', pricing_id)
          WHEN flow = 'plan' THEN CONCAT(provider, ':plan:', deployment)
          ELSE CONCAT(provider, ':', IFNULL(model, ''), ':', token_type)
        END AS sku_id
      FROM genai_costs_daily_unified
      WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
        AND cost_status = 'priced' AND flow != 'commitment' AND charge_category != 'Credit'
    ) AS k
    LEFT JOIN genai_ref_token_categories AS t ON t.token_type = k.token_type
  ),
  focus_input AS (
    SELECT
      c.*,
      n.provider_name, n.service_name, n.service_subcategory, n.subaccount_type, n.publisher_name,
      n.billing_account_id, n.billing_account_name,
      d.period_start, d.period_end, d.billing_start, d.billing_end,
      s.sku_id, s.sku_price_id, s.sku_price_details, s.charge_description,
      COALESCE(s.sku_meter, t.sku_meter, c.token_type) AS sku_meter,
      ct.focus_label AS commitment_label,
      IF(c.flow = 'commitment', CONCAT(c.provider, ':', c.commitment_type, ':', IFNULL(c.model, '')), NULL)
        AS commitment_sku_id
    FROM costs AS c
    LEFT JOIN model_names AS n ON n.provider = c.provider AND n.model_key = IFNULL(c.model, '')
    LEFT JOIN days AS d ON d.usage_date = c.usage_date
    LEFT JOIN skus AS s
      ON s.provider = c.provider AND s.model_key = IFNULL(c.model, '') AND s.token_type = c.token_type
      AND s.pricing_id = c.pricing_id AND s.price_rule = c.price_rule
      AND IFNULL(s.price_match, '') = IFNULL(c.price_match, '') AND s.pricing_type = c.pricing_type
      AND s.subscription_key = IFNULL(c.subscription_id, '')
      AND IFNULL(s.plan_name, '') = IF(c.flow = 'plan', c.deployment, '')
    LEFT JOIN genai_ref_token_categories AS t ON t.token_type = c.token_type AND c.flow = 'commitment'
    LEFT JOIN genai_ref_commitment_types AS ct ON ct.commitment_type = c.commitment_type
  )
  SELECT
    CAST(NULL AS JSON) AS AllocatedMethodDetails,
    CAST(NULL AS STRING) AS AllocatedMethodId,
    CAST(NULL AS STRING) AS AllocatedResourceId,
    CAST(NULL AS STRING) AS AllocatedResourceName,
    CAST(NULL AS JSON) AS AllocatedTags,
    CAST(NULL AS STRING) AS AvailabilityZone,
    billed_cost_usd AS BilledCost,
    billing_account_id AS BillingAccountId,
    billing_account_name AS BillingAccountName,
    'Provider Organization' AS BillingAccountType,
    currency AS BillingCurrency,
    billing_end AS BillingPeriodEnd,
    billing_start AS BillingPeriodStart,
    CAST(NULL AS STRING) AS CapacityReservationId,
    CAST(NULL AS STRING) AS CapacityReservationStatus,
    charge_category AS ChargeCategory,
    CAST(NULL AS STRING) AS ChargeClass,
    CASE
      WHEN flow = 'commitment' THEN CONCAT(commitment_label, ' ', IFNULL(deployment, commitment_id),
        CASE WHEN charge_category = 'Purchase' THEN ' (daily amortized purchase)'
          WHEN commitment_status = 'Used' THEN ' (used capacity)' ELSE ' (unused capacity)' END)
      WHEN charge_category = 'Credit' THEN CONCAT(IFNULL(model, provider), ' usage covered by trial credit ', pricing_id)
      ELSE charge_description
    END AS ChargeDescription,
    IF(charge_category = 'Purchase', 'Recurring', 'Usage-Based') AS ChargeFrequency,
    period_end AS ChargePeriodEnd,
    period_start AS ChargePeriodStart,
    IF(flow = 'commitment', 'Usage', NULL) AS CommitmentDiscountCategory,
    commitment_id AS CommitmentDiscountId,
    IF(flow = 'commitment', IFNULL(deployment, commitment_id), NULL) AS CommitmentDiscountName,
    IF(flow = 'commitment', pricing_quantity, NULL) AS CommitmentDiscountQuantity,
    commitment_status AS CommitmentDiscountStatus,
    commitment_label AS CommitmentDiscountType,
    IF(flow = 'commitment', pricing_unit, NULL) AS CommitmentDiscountUnit,
    consumed_quantity AS ConsumedQuantity,
    consumed_unit AS ConsumedUnit,
    IF(flow = 'commitment' AND charge_category = 'Usage',
      TO_JSON(STRUCT([STRUCT(commitment_id AS ContractId, commitment_id AS ContractCommitmentId,
        cost_usd AS ContractCommitmentAppliedCost)] AS Elements)), NULL) AS ContractApplied,
    -- ContractedUnitPrice x PricingQuantity, already rounded in unified: the cost of usage and GPU hours,
    -- the list cost of commitment rows (priced at their hourly unit price).
    IF(flow = 'commitment', list_cost_usd, cost_usd) AS ContractedCost,
    unit_price AS ContractedUnitPrice,
    cost_usd AS EffectiveCost,
    provider_name AS HostProviderName,
    CAST(NULL AS STRING) AS InvoiceId,
    provider_name AS InvoiceIssuerName,
    list_cost_usd AS ListCost,
    list_unit_price AS ListUnitPrice,
    CASE
      WHEN charge_category = 'Credit' THEN NULL
      WHEN flow = 'commitment' AND charge_category != 'Purchase' THEN 'Committed'
      ELSE 'Standard'
    END AS PricingCategory,
    currency AS PricingCurrency,
    unit_price AS PricingCurrencyContractedUnitPrice,
    cost_usd AS PricingCurrencyEffectiveCost,
    list_unit_price AS PricingCurrencyListUnitPrice,
    pricing_quantity AS PricingQuantity,
    pricing_unit AS PricingUnit,
    provider_name AS ProviderName,
    publisher_name AS PublisherName,
    region AS RegionId,
    region AS RegionName,
    CASE flow WHEN 'commitment' THEN commitment_id WHEN 'plan' THEN NULL ELSE deployment END AS ResourceId,
    CASE flow WHEN 'commitment' THEN IFNULL(deployment, commitment_id) WHEN 'plan' THEN NULL ELSE deployment END
      AS ResourceName,
    CASE
      WHEN flow = 'commitment' THEN 'Provisioned Capacity'
      WHEN flow = 'plan' OR deployment IS NULL THEN NULL
      WHEN flow = 'infrastructure' THEN 'Endpoint Deployed Model'
      ELSE 'Deployment'
    END AS ResourceType,
    'AI and Machine Learning' AS ServiceCategory,
    service_name AS ServiceName,
    provider_name AS ServiceProviderName,
    -- One ServiceSubcategory per ServiceName (FOCUS ServiceName-C-008), from the provider catalog:
    -- Vertex AI's GPU hours serve models under the same service as its tokens.
    service_subcategory AS ServiceSubcategory,
    IF(flow = 'commitment', commitment_sku_id, sku_id) AS SkuId,
    IF(charge_category = 'Credit', NULL, sku_meter) AS SkuMeter,
    IF(flow = 'commitment',
      TO_JSON(STRUCT(model AS x_ModelId, commitment_type AS x_CommitmentType, price_rule AS x_PriceRule)),
      sku_price_details) AS SkuPriceDetails,
    IF(flow = 'commitment', CONCAT(commitment_sku_id, '|', pricing_id), sku_price_id) AS SkuPriceId,
    project_id AS SubAccountId,
    project_id AS SubAccountName,
    IF(project_id IS NULL, NULL, subaccount_type) AS SubAccountType,
    IF(api_key_id IS NULL, NULL, TO_JSON(STRUCT(api_key_id AS x_ApiKeyId))) AS Tags,
    org_slug AS x_OrgSlug,
    cost_id AS x_CostId,
    usage_id AS x_UsageId,
    pricing_id AS x_PricingId,
    provider AS x_Provider,
    model AS x_ModelId,
    token_type AS x_TokenType,
    flow AS x_Flow,
    api_key_id AS x_ApiKeyId,
    CURRENT_TIMESTAMP() AS x_ConvertedAt,
    estimate_reason AS x_EstimateReason
  FROM focus_input;
END;
