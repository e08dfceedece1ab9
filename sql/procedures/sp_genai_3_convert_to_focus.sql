-- Unified daily costs for [p_start_date, p_end_date) into the FOCUS 1.3 Cost and Usage dataset
-- (cost_data_standard_1_3), replacing exactly that window, and the Contract Commitment dataset
-- (contract_commitment_1_3) for the commitments active in the window (merged, never shrunk).
-- One FOCUS row per unified row: per token type (SkuMeter) for usage; purchase / used / unused
-- rows for commitments. Unpriced usage is not converted: FOCUS has no null cost and booking it
-- at 0 would hide it; genai_pricing_coverage shows it instead.
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
    x_ConvertedAt
  )
  WITH costs AS (
    SELECT
      c.*,
      CASE c.provider
        WHEN 'openai' THEN 'OpenAI' WHEN 'anthropic' THEN 'Anthropic' WHEN 'gemini' THEN 'Google Cloud'
        WHEN 'azure_openai' THEN 'Microsoft' WHEN 'aws_bedrock' THEN 'Amazon Web Services'
        WHEN 'vertex_ai' THEN 'Google Cloud'
      END AS provider_name,
      CASE c.provider
        WHEN 'openai' THEN 'OpenAI API' WHEN 'anthropic' THEN 'Anthropic API' WHEN 'gemini' THEN 'Gemini API'
        WHEN 'azure_openai' THEN 'Azure OpenAI' WHEN 'aws_bedrock' THEN 'Amazon Bedrock'
        WHEN 'vertex_ai' THEN 'Vertex AI'
      END AS service_name,
      -- The model's developer, for the deprecated but still mandatory PublisherName.
      CASE
        WHEN c.provider = 'openai' OR c.provider = 'azure_openai' THEN 'OpenAI'
        WHEN c.provider = 'anthropic' THEN 'Anthropic'
        WHEN c.provider = 'gemini' THEN 'Google'
        WHEN STARTS_WITH(IFNULL(c.model, ''), 'anthropic.') OR STARTS_WITH(IFNULL(c.model, ''), 'claude') THEN 'Anthropic'
        WHEN STARTS_WITH(IFNULL(c.model, ''), 'meta.') OR STARTS_WITH(IFNULL(c.model, ''), 'llama') THEN 'Meta'
        WHEN STARTS_WITH(IFNULL(c.model, ''), 'amazon.') THEN 'Amazon'
        WHEN STARTS_WITH(IFNULL(c.model, ''), 'mistral') THEN 'Mistral AI'
        WHEN c.provider = 'vertex_ai' THEN 'Google'
        ELSE 'Unknown'
      END AS publisher_name,
      CASE c.token_type
        WHEN 'input' THEN 'Input Tokens' WHEN 'cached_input' THEN 'Cached Input Tokens'
        WHEN 'cache_write_5m' THEN 'Cache Write 5m Tokens' WHEN 'cache_write_1h' THEN 'Cache Write 1h Tokens'
        WHEN 'audio_input' THEN 'Audio Input Tokens' WHEN 'output' THEN 'Output Tokens'
        WHEN 'audio_output' THEN 'Audio Output Tokens' WHEN 'web_search' THEN 'Web Search Requests'
        WHEN 'gpu_hours' THEN 'GPU Hours' ELSE c.token_type
      END AS sku_meter,
      TIMESTAMP(c.usage_date) AS period_start,
      TIMESTAMP(DATE_ADD(c.usage_date, INTERVAL 1 DAY)) AS period_end,
      TIMESTAMP(DATE_TRUNC(c.usage_date, MONTH)) AS billing_start,
      TIMESTAMP(DATE_ADD(DATE_TRUNC(c.usage_date, MONTH), INTERVAL 1 MONTH)) AS billing_end,
      ROUND(c.unit_price * c.pricing_quantity, 9) AS contracted_cost
    FROM genai_costs_daily_unified AS c
    WHERE c.usage_date >= p_start_date AND c.usage_date < p_end_date
      AND c.org_slug = p_org_slug AND c.flow IN ('payg', 'infrastructure') AND c.cost_status = 'priced'
  )
  SELECT
    CAST(NULL AS JSON) AS AllocatedMethodDetails,
    CAST(NULL AS STRING) AS AllocatedMethodId,
    CAST(NULL AS STRING) AS AllocatedResourceId,
    CAST(NULL AS STRING) AS AllocatedResourceName,
    CAST(NULL AS JSON) AS AllocatedTags,
    CAST(NULL AS STRING) AS AvailabilityZone,
    billed_cost_usd AS BilledCost,
    CONCAT(org_slug, '/', provider) AS BillingAccountId,
    CONCAT(org_slug, ' on ', service_name) AS BillingAccountName,
    'Provider Organization' AS BillingAccountType,
    currency AS BillingCurrency,
    billing_end AS BillingPeriodEnd,
    billing_start AS BillingPeriodStart,
    CAST(NULL AS STRING) AS CapacityReservationId,
    CAST(NULL AS STRING) AS CapacityReservationStatus,
    charge_category AS ChargeCategory,
    CAST(NULL AS STRING) AS ChargeClass,
    CONCAT(IFNULL(model, 'unknown model'), ' ', sku_meter, IF(price_rule = 'batch', ' (batch)', ''),
      IF(price_rule = 'long_context', ' (long context)', ''), IF(price_rule = 'free_tier', ' (free tier)', '')) AS ChargeDescription,
    'Usage-Based' AS ChargeFrequency,
    period_end AS ChargePeriodEnd,
    period_start AS ChargePeriodStart,
    CAST(NULL AS STRING) AS CommitmentDiscountCategory,
    CAST(NULL AS STRING) AS CommitmentDiscountId,
    CAST(NULL AS STRING) AS CommitmentDiscountName,
    CAST(NULL AS NUMERIC) AS CommitmentDiscountQuantity,
    CAST(NULL AS STRING) AS CommitmentDiscountStatus,
    CAST(NULL AS STRING) AS CommitmentDiscountType,
    CAST(NULL AS STRING) AS CommitmentDiscountUnit,
    consumed_quantity AS ConsumedQuantity,
    consumed_unit AS ConsumedUnit,
    CAST(NULL AS JSON) AS ContractApplied,
    contracted_cost AS ContractedCost,
    unit_price AS ContractedUnitPrice,
    cost_usd AS EffectiveCost,
    provider_name AS HostProviderName,
    CAST(NULL AS STRING) AS InvoiceId,
    provider_name AS InvoiceIssuerName,
    list_cost_usd AS ListCost,
    list_unit_price AS ListUnitPrice,
    'Standard' AS PricingCategory,
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
    deployment AS ResourceId,
    deployment AS ResourceName,
    IF(deployment IS NULL, NULL, IF(flow = 'infrastructure', 'Endpoint Deployed Model', 'Deployment')) AS ResourceType,
    'AI and Machine Learning' AS ServiceCategory,
    service_name AS ServiceName,
    provider_name AS ServiceProviderName,
    IF(flow = 'infrastructure', 'Machine Learning', 'Generative AI') AS ServiceSubcategory,
    CONCAT(provider, ':', IFNULL(model, ''), ':', token_type) AS SkuId,
    sku_meter AS SkuMeter,
    TO_JSON(STRUCT(model AS x_ModelId, token_type AS x_TokenType, price_rule AS x_PriceRule,
      price_match AS x_PriceMatch, pricing_type AS x_PricingType)) AS SkuPriceDetails,
    CONCAT(pricing_id, ':', token_type, ':', price_rule) AS SkuPriceId,
    project_id AS SubAccountId,
    project_id AS SubAccountName,
    IF(project_id IS NULL, NULL, IF(provider = 'anthropic', 'Workspace', 'Project')) AS SubAccountType,
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
    CURRENT_TIMESTAMP() AS x_ConvertedAt
  FROM costs;

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
    x_ConvertedAt
  )
  -- Commitments: a Recurring Purchase per commitment and day (billed, effective 0) and Used /
  -- Unused rows whose EffectiveCost adds up to it, linked to contract_commitment_1_3.
  WITH c AS (
    SELECT
      u.*,
      CASE u.provider WHEN 'azure_openai' THEN 'Microsoft' WHEN 'aws_bedrock' THEN 'Amazon Web Services'
        ELSE 'Google Cloud' END AS provider_name,
      CASE u.provider WHEN 'azure_openai' THEN 'Azure OpenAI' WHEN 'aws_bedrock' THEN 'Amazon Bedrock'
        ELSE 'Vertex AI' END AS service_name,
      CASE u.commitment_type WHEN 'azure_ptu' THEN 'Azure OpenAI Provisioned Throughput Units'
        WHEN 'bedrock_pt' THEN 'Amazon Bedrock Provisioned Throughput' ELSE 'Vertex AI Provisioned Throughput (GSU)'
      END AS commitment_label
    FROM genai_costs_daily_unified AS u
    WHERE u.usage_date >= p_start_date AND u.usage_date < p_end_date
      AND u.org_slug = p_org_slug AND u.flow = 'commitment' AND u.cost_status = 'priced'
  )
  SELECT
    CAST(NULL AS JSON), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS JSON),
    CAST(NULL AS STRING),
    billed_cost_usd AS BilledCost,
    CONCAT(org_slug, '/', provider) AS BillingAccountId,
    CONCAT(org_slug, ' on ', service_name) AS BillingAccountName,
    'Provider Organization' AS BillingAccountType,
    currency AS BillingCurrency,
    TIMESTAMP(DATE_ADD(DATE_TRUNC(usage_date, MONTH), INTERVAL 1 MONTH)) AS BillingPeriodEnd,
    TIMESTAMP(DATE_TRUNC(usage_date, MONTH)) AS BillingPeriodStart,
    CAST(NULL AS STRING) AS CapacityReservationId,
    CAST(NULL AS STRING) AS CapacityReservationStatus,
    charge_category AS ChargeCategory,
    CAST(NULL AS STRING) AS ChargeClass,
    CONCAT(commitment_label, ' ', IFNULL(deployment, commitment_id),
      CASE WHEN charge_category = 'Purchase' THEN ' (daily amortized purchase)'
        WHEN commitment_status = 'Used' THEN ' (used capacity)' ELSE ' (unused capacity)' END) AS ChargeDescription,
    IF(charge_category = 'Purchase', 'Recurring', 'Usage-Based') AS ChargeFrequency,
    TIMESTAMP(DATE_ADD(usage_date, INTERVAL 1 DAY)) AS ChargePeriodEnd,
    TIMESTAMP(usage_date) AS ChargePeriodStart,
    'Usage' AS CommitmentDiscountCategory,
    commitment_id AS CommitmentDiscountId,
    IFNULL(deployment, commitment_id) AS CommitmentDiscountName,
    pricing_quantity AS CommitmentDiscountQuantity,
    commitment_status AS CommitmentDiscountStatus,
    commitment_label AS CommitmentDiscountType,
    pricing_unit AS CommitmentDiscountUnit,
    consumed_quantity AS ConsumedQuantity,
    consumed_unit AS ConsumedUnit,
    IF(charge_category = 'Usage',
      TO_JSON(STRUCT([STRUCT(commitment_id AS ContractId, commitment_id AS ContractCommitmentId,
        cost_usd AS ContractCommitmentAppliedCost)] AS Elements)), NULL) AS ContractApplied,
    ROUND(unit_price * pricing_quantity, 9) AS ContractedCost,
    unit_price AS ContractedUnitPrice,
    cost_usd AS EffectiveCost,
    provider_name AS HostProviderName,
    CAST(NULL AS STRING) AS InvoiceId,
    provider_name AS InvoiceIssuerName,
    list_cost_usd AS ListCost,
    list_unit_price AS ListUnitPrice,
    IF(charge_category = 'Purchase', 'Standard', 'Committed') AS PricingCategory,
    currency AS PricingCurrency,
    unit_price AS PricingCurrencyContractedUnitPrice,
    cost_usd AS PricingCurrencyEffectiveCost,
    list_unit_price AS PricingCurrencyListUnitPrice,
    pricing_quantity AS PricingQuantity,
    pricing_unit AS PricingUnit,
    provider_name AS ProviderName,
    CASE WHEN STARTS_WITH(IFNULL(model, ''), 'anthropic.') OR STARTS_WITH(IFNULL(model, ''), 'claude') THEN 'Anthropic'
      WHEN provider = 'azure_openai' THEN 'OpenAI' WHEN STARTS_WITH(IFNULL(model, ''), 'amazon.') THEN 'Amazon'
      WHEN STARTS_WITH(IFNULL(model, ''), 'meta.') THEN 'Meta' WHEN provider = 'vertex_ai' THEN 'Google'
      ELSE 'Unknown' END AS PublisherName,
    region AS RegionId,
    region AS RegionName,
    commitment_id AS ResourceId,
    IFNULL(deployment, commitment_id) AS ResourceName,
    'Provisioned Capacity' AS ResourceType,
    'AI and Machine Learning' AS ServiceCategory,
    service_name AS ServiceName,
    provider_name AS ServiceProviderName,
    'Generative AI' AS ServiceSubcategory,
    CONCAT(provider, ':', commitment_type, ':', IFNULL(model, '')) AS SkuId,
    'Provisioned Capacity' AS SkuMeter,
    TO_JSON(STRUCT(model AS x_ModelId, commitment_type AS x_CommitmentType, price_rule AS x_PriceRule))
      AS SkuPriceDetails,
    pricing_id AS SkuPriceId,
    CAST(NULL AS STRING) AS SubAccountId,
    CAST(NULL AS STRING) AS SubAccountName,
    CAST(NULL AS STRING) AS SubAccountType,
    CAST(NULL AS JSON) AS Tags,
    org_slug, cost_id, usage_id, pricing_id, provider, model, token_type, flow, api_key_id,
    CURRENT_TIMESTAMP()
  FROM c;

  -- Contract Commitment dataset: the terms of every commitment active in the window, merged in
  -- (extended, never shrunk), so earlier windows' commitments stay listed.
  MERGE INTO contract_commitment_1_3 AS t
  USING (
    WITH capacity AS (
      SELECT * FROM genai_commitment_azure_openai_capacity
      WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
      UNION ALL
      SELECT * FROM genai_commitment_aws_bedrock_capacity
      WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
      UNION ALL
      SELECT * FROM genai_commitment_vertex_ai_capacity
      WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
    )
    SELECT
      commitment_id,
      ANY_VALUE(provider) AS provider,
      ANY_VALUE(commitment_type) AS commitment_type,
      ANY_VALUE(commitment_name) AS commitment_name,
      ANY_VALUE(model) AS model,
      ANY_VALUE(term) AS term,
      ANY_VALUE(terms_source) AS terms_source,
      ANY_VALUE(capacity_unit) AS capacity_unit,
      MAX(provisioned_units) AS units,
      COALESCE(MIN(commitment_start), MIN(hour_start)) AS period_start,
      COALESCE(MAX(commitment_end), TIMESTAMP_ADD(MAX(hour_start), INTERVAL 1 HOUR)) AS period_end
    FROM capacity
    GROUP BY commitment_id
  ) AS s
  ON t.ContractCommitmentId = s.commitment_id
  WHEN MATCHED THEN UPDATE SET
    ContractCommitmentPeriodStart = LEAST(t.ContractCommitmentPeriodStart, s.period_start),
    ContractCommitmentPeriodEnd = GREATEST(t.ContractCommitmentPeriodEnd, s.period_end),
    ContractPeriodStart = LEAST(t.ContractPeriodStart, s.period_start),
    ContractPeriodEnd = GREATEST(t.ContractPeriodEnd, s.period_end),
    ContractCommitmentQuantity = s.units
  WHEN NOT MATCHED THEN INSERT (
    BillingCurrency, ContractCommitmentCategory, ContractCommitmentCost, ContractCommitmentDescription,
    ContractCommitmentId, ContractCommitmentPeriodEnd, ContractCommitmentPeriodStart, ContractCommitmentQuantity,
    ContractCommitmentType, ContractCommitmentUnit, ContractId, ContractPeriodEnd, ContractPeriodStart,
    x_OrgSlug, x_Provider, x_Source
  ) VALUES (
    'USD', 'Usage', NULL,
    CONCAT(IFNULL(s.commitment_name, s.commitment_id), ' for ', IFNULL(s.model, 'any model'), ', term ', IFNULL(s.term, 'unknown')),
    s.commitment_id, s.period_end, s.period_start, s.units,
    CASE s.commitment_type WHEN 'azure_ptu' THEN 'Azure OpenAI Provisioned Throughput Units'
      WHEN 'bedrock_pt' THEN 'Amazon Bedrock Provisioned Throughput' ELSE 'Vertex AI Provisioned Throughput (GSU)' END,
    CASE s.capacity_unit WHEN 'Model Units' THEN 'Model Units' ELSE s.capacity_unit END,
    s.commitment_id, s.period_end, s.period_start,
    p_org_slug, s.provider, s.terms_source
  );
END;
