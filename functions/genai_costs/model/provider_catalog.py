"""The provider catalog: the one declarative source of what the library knows about each provider.

Pure data and types. Everything provider-specific elsewhere is derived from it:

- the ``Provider`` / ``CommitmentType`` / ``Flow`` types (``providers/ids.py`` re-exports them);
- the client registry (``providers/registry.py``) and the commitment sources (``providers/commitments``);
- the raw table specs: ``tools/render_catalog.py`` renders ``sql/tables/genai_{flow}_{provider}_*.json``
  from ``sql/tables/templates/``;
- the union views the procedures and views read instead of hand-written unions
  (``genai_payg_usage_all``, ``genai_payg_costs_all``, ``genai_commitment_capacity_all``), rendered
  into ``sql/views/``;
- the reference tables ``genai_ref_providers``, ``genai_ref_commitment_types``, ``genai_ref_sources`` (each
  source's lag rule, which ``genai_source_freshness`` applies), ``genai_ref_token_categories``,
  ``genai_ref_service_tiers`` and ``genai_ref_model_publishers`` (``sql/seed/*.csv``, rendered, loaded at
  onboarding): the procedures join them for FOCUS names, tier classes, units and publishers;
- the Terraform module's provider list (``terraform/modules/genai_costs_org/providers.json``, rendered);
- the simulator's two spellings of a provider (its data-set name and its fault surface).

``tests/catalog/test_provider_catalog.py`` fails when any derived piece is missing for any provider.
Adding a provider: one client module, one :data:`PROVIDERS` entry, simulator support, tests
(``docs/adding-a-provider.md``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FlowName = Literal["payg", "commitment", "infrastructure", "invocations"]
# FOCUS 1.3 ServiceSubcategory values under "AI and Machine Learning" that this project uses.
Subcategory = Literal["Generative AI", "Machine Learning", "AI Platforms"]
_ID = r"^[a-z][a-z0-9_]*$"


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FocusNames(_Entry):
    """How a provider appears in FOCUS 1.3 (cost_data_standard_1_3)."""

    service_name: str = Field(description="ServiceName (and BillingAccountName suffix), e.g. 'Azure OpenAI'")
    service_subcategory: Subcategory = Field(description="ServiceSubcategory: exactly one per ServiceName")
    provider_name: str = Field(
        description="ProviderName, ServiceProviderName, HostProviderName and InvoiceIssuerName: who sells and bills"
    )
    publisher_name: str | None = Field(
        description="PublisherName when the provider serves only its own models; None for marketplaces, whose "
        "publisher comes from the model id (MODEL_PUBLISHERS)"
    )
    fallback_publisher_name: str = Field(description="PublisherName when no model prefix matches")
    subaccount_type: str = Field(description="SubAccountType of the provider's projects, e.g. 'Project' or 'Workspace'")


class SimulatorNames(_Entry):
    """The simulator's own spellings of a provider (simulator/provider_sim)."""

    dataset: str = Field(description="Provider name in the simulated data set (provider_sim.catalog.PROVIDER_NAMES)")
    fault_surface: str = Field(description="API surface that serves it, for fault injection (provider_sim.faults)")


class Settling(_Entry):
    """When a usage day's data is final at the source: the lag rule of genai_source_freshness."""

    days: int = Field(ge=0, le=14, description="Whole days after a usage day ends before the source's data is final")
    why: str = Field(min_length=10, description="The source's own behaviour behind the figure")


class ProviderEntry(_Entry):
    id: str = Field(pattern=_ID, description="Provider id used in messages, table names, secrets and SQL")
    display_name: str = Field(description="Human name, e.g. in reports")
    described_as: str = Field(description="How table descriptions name it, e.g. 'the Gemini API'")
    flows: tuple[FlowName, ...] = Field(description="Flows with raw tables for this provider")
    client: str = Field(description="Pay-as-you-go client class, 'module:Class'")
    client_takes_http: bool = Field(True, description="False when the client brings its own transport (boto3)")
    token_categories: tuple[str, ...] = Field(description="Usage token categories its usage rows can carry")
    settles: Settling = Field(description="When its pay-as-you-go usage and cost for a day are final")
    focus: FocusNames
    simulator: SimulatorNames

    @property
    def raw_tables(self) -> tuple[str, ...]:
        tables: list[str] = []
        if "payg" in self.flows:
            tables += [f"genai_payg_{self.id}_{kind}" for kind in PAYG_TABLE_KINDS]
        if "commitment" in self.flows:
            tables.append(f"genai_commitment_{self.id}_capacity")
        if "infrastructure" in self.flows:
            tables.append(f"genai_infrastructure_{self.id}_gpu")
        if "invocations" in self.flows:  # per-request records (Bedrock model invocation logs)
            tables += [f"genai_invocations_{self.id}_{kind}" for kind in ("requests", "quarantine")]
        return tuple(tables)

    @property
    def commitment_types(self) -> tuple[CommitmentTypeEntry, ...]:
        return tuple(c for c in COMMITMENT_TYPES if c.provider == self.id)

    @property
    def provisioned_commitment_type(self) -> str | None:
        """The capacity commitment that pays for this provider's provisioned-tier tokens."""
        return next((c.id for c in self.commitment_types if c.flow == "commitment"), None)


class CommitmentTypeEntry(_Entry):
    id: str = Field(pattern=_ID, description="Commitment type id used in messages, llm_subscriptions and SQL")
    provider: str = Field(description="Provider id that sells it")
    flow: Literal["commitment", "infrastructure"]
    source: str = Field(description="Module with from_secret() building its CommitmentSource")
    focus_label: str | None = Field(description="CommitmentDiscountType / ContractCommitmentType in FOCUS")
    capacity_unit: str | None = Field(description="Unit of provisioned_units in the capacity table")
    pricing_unit: str = Field(description="FOCUS PricingUnit of one unit for one hour")
    requires_subscription: bool = Field(
        False, description="Its terms or price exist in no provider API: an llm_subscriptions row must give them"
    )
    settles: Settling = Field(description="When its capacity or GPU hours for a day are final")

    @property
    def raw_table(self) -> str:
        return (
            f"genai_commitment_{self.provider}_capacity"
            if self.flow == "commitment"
            else f"genai_infrastructure_{self.provider}_gpu"
        )


class TokenCategory(_Entry):
    token_type: str = Field(pattern=_ID, description="genai_costs_daily_unified.token_type")
    flow: FlowName
    usage_column: str | None = Field(description="genai_usage_daily column with its quantity (payg only)")
    sku_meter: str = Field(description="FOCUS SkuMeter")
    consumed_unit: str | None = Field(description="FOCUS ConsumedUnit (None: set by the commitment type)")
    pricing_unit: str | None = Field(description="FOCUS PricingUnit (None: set by the commitment type)")
    pricing_quantity_scale: Decimal | None = Field(description="PricingQuantity per consumed unit, e.g. 0.000001")
    rate_to_pricing_unit: Decimal | None = Field(description="Catalog rate (per 1K) x this = price per PricingUnit")


class ModelPublisher(_Entry):
    model_prefix: str = Field(min_length=1, description="Model ids starting with this are published by ...")
    publisher_name: str


PAYG_TABLE_KINDS = ("usage", "costs", "quarantine")
_HTTP = "genai_costs.providers"

PROVIDERS: tuple[ProviderEntry, ...] = (
    ProviderEntry(
        id="openai",
        settles=Settling(
            days=1,
            why=(
                "The Usage and Costs APIs bucket by UTC day and fill a day within hours of its end; the trailing re-"
                "pull takes later revisions"
            ),
        ),
        display_name="OpenAI",
        described_as="OpenAI",
        flows=("payg",),
        client=f"{_HTTP}.openai:OpenAIClient",
        token_categories=("input", "cached_input", "cache_write_5m", "audio_input", "output", "audio_output"),
        focus=FocusNames(
            service_name="OpenAI API",
            service_subcategory="Generative AI",
            provider_name="OpenAI",
            publisher_name="OpenAI",
            fallback_publisher_name="OpenAI",
            subaccount_type="Project",
        ),
        simulator=SimulatorNames(dataset="openai", fault_surface="openai"),
    ),
    ProviderEntry(
        id="anthropic",
        settles=Settling(
            days=1,
            why="The usage and cost reports bucket by UTC day and are available shortly after the day ends",
        ),
        display_name="Anthropic",
        described_as="Anthropic",
        flows=("payg",),
        client=f"{_HTTP}.anthropic:AnthropicClient",
        token_categories=("input", "cached_input", "cache_write_5m", "cache_write_1h", "output", "web_search"),
        focus=FocusNames(
            service_name="Anthropic API",
            service_subcategory="Generative AI",
            provider_name="Anthropic",
            publisher_name="Anthropic",
            fallback_publisher_name="Anthropic",
            subaccount_type="Workspace",
        ),
        simulator=SimulatorNames(dataset="anthropic", fault_surface="anthropic"),
    ),
    ProviderEntry(
        id="gemini",
        settles=Settling(
            days=2,
            why=(
                "Cost comes from the Cloud Billing export, which lands throughout the day and keeps revising a day "
                "for a day or more"
            ),
        ),
        display_name="Gemini API",
        described_as="the Gemini API",
        flows=("payg",),
        client=f"{_HTTP}.gemini:GeminiClient",
        token_categories=("input", "output"),
        focus=FocusNames(
            service_name="Gemini API",
            service_subcategory="Generative AI",
            provider_name="Google Cloud",
            publisher_name="Google",
            fallback_publisher_name="Google",
            subaccount_type="Project",
        ),
        simulator=SimulatorNames(dataset="gemini", fault_surface="gcp"),
    ),
    ProviderEntry(
        id="azure_openai",
        settles=Settling(
            days=2,
            why=(
                "Cost Management shows a day's cost within 8 to 24 hours, refreshing about every 4 hours, and may "
                "take up to 48"
            ),
        ),
        display_name="Azure OpenAI",
        described_as="Azure OpenAI",
        flows=("payg", "commitment"),
        client=f"{_HTTP}.azure_openai:AzureOpenAIClient",
        token_categories=("input", "output"),
        focus=FocusNames(
            service_name="Azure OpenAI",
            service_subcategory="Generative AI",
            provider_name="Microsoft",
            publisher_name="OpenAI",
            fallback_publisher_name="OpenAI",
            subaccount_type="Project",
        ),
        simulator=SimulatorNames(dataset="azure", fault_surface="azure"),
    ),
    ProviderEntry(
        id="aws_bedrock",
        settles=Settling(
            days=1,
            why="CloudWatch token metrics are near real time; Cost Explorer refreshes at least once every 24 hours",
        ),
        display_name="AWS Bedrock",
        described_as="AWS Bedrock",
        flows=("payg", "commitment", "invocations"),
        client=f"{_HTTP}.aws_bedrock:AwsBedrockClient",
        client_takes_http=False,
        token_categories=("input", "cached_input", "cache_write_5m", "cache_write_1h", "output"),
        focus=FocusNames(
            service_name="Amazon Bedrock",
            service_subcategory="Generative AI",
            provider_name="Amazon Web Services",
            publisher_name=None,
            fallback_publisher_name="Unknown",
            subaccount_type="Project",
        ),
        simulator=SimulatorNames(dataset="bedrock", fault_surface="aws"),
    ),
    ProviderEntry(
        id="vertex_ai",
        settles=Settling(
            days=2,
            why=(
                "Cost comes from the Cloud Billing export, which lands throughout the day and keeps revising a day "
                "for a day or more"
            ),
        ),
        display_name="Vertex AI",
        described_as="Vertex AI",
        flows=("payg", "commitment", "infrastructure"),
        client=f"{_HTTP}.vertex_ai:VertexAIClient",
        token_categories=("input", "output"),
        focus=FocusNames(
            service_name="Vertex AI",
            service_subcategory="Generative AI",
            provider_name="Google Cloud",
            publisher_name=None,
            fallback_publisher_name="Google",
            subaccount_type="Project",
        ),
        simulator=SimulatorNames(dataset="vertex", fault_surface="gcp"),
    ),
)

_SOURCES = "genai_costs.providers.commitments"
COMMITMENT_TYPES: tuple[CommitmentTypeEntry, ...] = (
    CommitmentTypeEntry(
        id="azure_ptu",
        settles=Settling(
            days=1,
            why=(
                "Deployments and Azure Monitor utilization are near real time; a day's hours are final once the day "
                "has ended"
            ),
        ),
        provider="azure_openai",
        flow="commitment",
        source=f"{_SOURCES}.azure_ptu",
        focus_label="Azure OpenAI Provisioned Throughput Units",
        capacity_unit="PTU",
        pricing_unit="PTU-Hours",
    ),
    CommitmentTypeEntry(
        id="bedrock_pt",
        settles=Settling(
            days=1,
            why=(
                "Provisioned models and CloudWatch metrics are near real time; a day's hours are final once the day "
                "has ended"
            ),
        ),
        provider="aws_bedrock",
        flow="commitment",
        source=f"{_SOURCES}.bedrock_pt",
        focus_label="Amazon Bedrock Provisioned Throughput",
        capacity_unit="Model Units",
        pricing_unit="MU-Hours",
        requires_subscription=True,
    ),
    CommitmentTypeEntry(
        id="vertex_gsu",
        settles=Settling(
            days=1,
            why=(
                "Cloud Monitoring throughput metrics are near real time; a day's hours are final once the day has ended"
            ),
        ),
        provider="vertex_ai",
        flow="commitment",
        source=f"{_SOURCES}.vertex_gsu",
        focus_label="Vertex AI Provisioned Throughput (GSU)",
        capacity_unit="GSU",
        pricing_unit="GSU-Hours",
        requires_subscription=True,
    ),
    CommitmentTypeEntry(
        id="vertex_gpu",
        settles=Settling(
            days=2,
            why="GPU SKU rates come from the Cloud Billing export, which keeps revising a day for a day or more",
        ),
        provider="vertex_ai",
        flow="infrastructure",
        source=f"{_SOURCES}.vertex_gpu",
        focus_label=None,
        capacity_unit=None,
        pricing_unit="GPU-Hours",
    ),
)

_PER_1M_TOKENS: dict[str, Any] = {
    "consumed_unit": "Tokens",
    "pricing_unit": "1000000 Tokens",
    "pricing_quantity_scale": Decimal("0.000001"),
    "rate_to_pricing_unit": Decimal("1000"),
}
# Disjoint categories (ingestion splits them so they add up to the provider's total); priced per
# 1,000,000 tokens, web search per 1,000 requests. Catalog rates are per 1K tokens / requests.
TOKEN_CATEGORIES: tuple[TokenCategory, ...] = (
    TokenCategory(
        token_type="input",
        flow="payg",
        usage_column="input_uncached_tokens",
        sku_meter="Input Tokens",
        **_PER_1M_TOKENS,
    ),
    TokenCategory(
        token_type="cached_input",
        flow="payg",
        usage_column="input_cached_tokens",
        sku_meter="Cached Input Tokens",
        **_PER_1M_TOKENS,
    ),
    TokenCategory(
        token_type="cache_write_5m",
        flow="payg",
        usage_column="cache_write_5m_tokens",
        sku_meter="Cache Write 5m Tokens",
        **_PER_1M_TOKENS,
    ),
    TokenCategory(
        token_type="cache_write_1h",
        flow="payg",
        usage_column="cache_write_1h_tokens",
        sku_meter="Cache Write 1h Tokens",
        **_PER_1M_TOKENS,
    ),
    TokenCategory(
        token_type="audio_input",
        flow="payg",
        usage_column="input_audio_tokens",
        sku_meter="Audio Input Tokens",
        **_PER_1M_TOKENS,
    ),
    TokenCategory(
        token_type="output", flow="payg", usage_column="output_tokens", sku_meter="Output Tokens", **_PER_1M_TOKENS
    ),
    TokenCategory(
        token_type="audio_output",
        flow="payg",
        usage_column="output_audio_tokens",
        sku_meter="Audio Output Tokens",
        **_PER_1M_TOKENS,
    ),
    TokenCategory(
        token_type="web_search",
        flow="payg",
        usage_column="web_search_requests",
        sku_meter="Web Search Requests",
        consumed_unit="Requests",
        pricing_unit="1000 Requests",
        pricing_quantity_scale=Decimal("0.001"),
        rate_to_pricing_unit=Decimal("1"),
    ),
    TokenCategory(
        token_type="capacity",
        flow="commitment",
        usage_column=None,
        sku_meter="Provisioned Capacity",
        consumed_unit=None,
        pricing_unit=None,
        pricing_quantity_scale=None,
        rate_to_pricing_unit=None,
    ),
    TokenCategory(
        token_type="gpu_hours",
        flow="infrastructure",
        usage_column=None,
        sku_meter="GPU Hours",
        consumed_unit="GPU-Hours",
        pricing_unit="GPU-Hours",
        pricing_quantity_scale=None,
        rate_to_pricing_unit=None,
    ),
)

# Service tiers as providers report them (lower-cased) -> how they are priced: 'default' tiers at
# the default rate, 'provisioned' capacity by its commitment. Any other tier (flex, priority, ...)
# needs a price row for that tier.
SERVICE_TIERS: dict[str, Literal["default", "provisioned"]] = {
    **dict.fromkeys(
        (
            "default",
            "standard",
            "auto",
            "batch",
            "on_demand",
            "shared",
            "spillover",
            "globalstandard",
            "datazonestandard",
            "globalbatch",
            "datazonebatch",
        ),
        "default",
    ),
    **dict.fromkeys(
        (
            "provisioned",
            "dedicated",
            "reserved",
            "provisionedmanaged",
            "globalprovisionedmanaged",
            "datazoneprovisionedmanaged",
        ),
        "provisioned",
    ),
}

# The model's developer, for marketplaces (FocusNames.publisher_name None): the longest prefix wins.
MODEL_PUBLISHERS: tuple[ModelPublisher, ...] = (
    ModelPublisher(model_prefix="anthropic.", publisher_name="Anthropic"),
    ModelPublisher(model_prefix="claude", publisher_name="Anthropic"),
    ModelPublisher(model_prefix="meta.", publisher_name="Meta"),
    ModelPublisher(model_prefix="llama", publisher_name="Meta"),
    ModelPublisher(model_prefix="amazon.", publisher_name="Amazon"),
    ModelPublisher(model_prefix="mistral", publisher_name="Mistral AI"),
)

# Consolidation reads only the warehouse: a day is final once consolidated after the day ended.
CONSOLIDATION_SETTLES = Settling(
    days=0, why="Consolidation reads the raw tables, so a day is final once consolidated after it ended"
)

PROVIDER_IDS: tuple[str, ...] = tuple(p.id for p in PROVIDERS)
COMMITMENT_TYPE_IDS: tuple[str, ...] = tuple(c.id for c in COMMITMENT_TYPES)
FLOWS: tuple[str, ...] = ("payg", "commitment", "infrastructure", "invocations")

# Types checked by pydantic at every edge (messages). Built from the catalog, so a provider is
# valid exactly when it has an entry; static checkers see plain ``str``.
if TYPE_CHECKING:
    Provider = str
    CommitmentType = str
else:
    Provider = Literal[PROVIDER_IDS]
    CommitmentType = Literal[COMMITMENT_TYPE_IDS]
Flow = FlowName


def provider(provider_id: str) -> ProviderEntry:
    """The entry of ``provider_id``; KeyError names the known ids."""
    for entry in PROVIDERS:
        if entry.id == provider_id:
            return entry
    raise KeyError(f"unknown provider {provider_id!r}; the catalog has {', '.join(PROVIDER_IDS)}")


def commitment_type(commitment_type_id: str) -> CommitmentTypeEntry:
    for entry in COMMITMENT_TYPES:
        if entry.id == commitment_type_id:
            return entry
    raise KeyError(f"unknown commitment type {commitment_type_id!r}; the catalog has {', '.join(COMMITMENT_TYPE_IDS)}")


def check_catalog(
    providers: tuple[ProviderEntry, ...],
    commitment_types: tuple[CommitmentTypeEntry, ...],
    token_categories: tuple[TokenCategory, ...],
) -> None:
    """Internal consistency, checked at import: a broken catalog must not load at all."""
    provider_ids = [p.id for p in providers]
    for ids, what in ((provider_ids, "provider"), ([c.id for c in commitment_types], "commitment type")):
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate {what} id in the provider catalog")
    if len({c.token_type for c in token_categories}) != len(token_categories):
        raise ValueError("duplicate token category")
    payg_categories = {c.token_type for c in token_categories if c.flow == "payg"}
    services: dict[str, str] = {}
    for p in providers:
        unknown = set(p.token_categories) - payg_categories
        if unknown:
            raise ValueError(f"{p.id}: unknown token categories {sorted(unknown)}")
        # FOCUS ServiceName-C-008: one ServiceSubcategory per ServiceName.
        if services.setdefault(p.focus.service_name, p.focus.service_subcategory) != p.focus.service_subcategory:
            raise ValueError(f"ServiceName {p.focus.service_name!r} has two ServiceSubcategory values")
    flows = {p.id: p.flows for p in providers}
    for c in commitment_types:
        if c.flow not in flows.get(c.provider, ()):
            raise ValueError(f"{c.id}: provider {c.provider} has no {c.flow} flow in the catalog")
        if c.flow == "commitment" and (c.focus_label is None or c.capacity_unit is None):
            raise ValueError(f"{c.id}: a capacity commitment needs a FOCUS label and a capacity unit")


check_catalog(PROVIDERS, COMMITMENT_TYPES, TOKEN_CATEGORIES)
