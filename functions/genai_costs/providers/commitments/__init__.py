"""Commitment (capacity) and infrastructure (GPU) sources, one module per commitment type.

    azure_ptu   Azure OpenAI provisioned deployments (PTU)       -> CapacityHour
    bedrock_pt  AWS Bedrock provisioned throughput (model units) -> CapacityHour
    vertex_gsu  Vertex AI Provisioned Throughput (GSU)           -> CapacityHour
    vertex_gpu  Vertex AI online-prediction GPU hours            -> GpuHour

Every source is built from the organization's provider secret (the same secret as pay-as-you-go,
``genai-{org}-{provider}``, plus the optional keys listed in each module) and the organization's
enabled ``llm_subscriptions`` rows of its commitment type, and yields one record per commitment
(or endpoint x deployed model) per UTC hour of the window, in hour order per commitment.

What comes from where:

| | units / start / end | hourly unit price | utilization |
|---|---|---|---|
| azure_ptu | deployments list (``sku.capacity``, ``systemData.createdAt``); a reservation's dates from llm_subscriptions | Azure Retail Prices API; llm_subscriptions when a row gives ``unit_hourly_price_usd`` (negotiated / reserved) | Azure Monitor ``AzureOpenAIProvisionedManagedUtilizationV2`` |
| bedrock_pt | ``ListProvisionedModelThroughputs`` | llm_subscriptions (REQUIRED; no API exposes it) | CloudWatch tokens on the provisioned model ARN vs configured tokens per model unit (ESTIMATE) |
| vertex_gsu | llm_subscriptions (REQUIRED); GSUs from ``dedicated_gsu_limit`` where reported | llm_subscriptions (REQUIRED) | ``consumed_token_throughput`` (dedicated) vs ``dedicated_token_limit`` |
| vertex_gpu | ``prediction/online/replicas`` + endpoints.get machine spec | billing export GPU SKUs | - |

Shared helpers live in ``base``, ``build_commitment_source`` in ``registry``; this package module
re-exports nothing, so a source module never imports its own package (no import cycle).
"""
