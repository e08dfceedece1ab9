"""The simulated organisation: who uses which model where (dimension combinations per provider).

A "combo" is one Dims value plus its typical hourly volume; the data set draws hourly usage for
each combo.  Combos depend only on (seed, org, scale), never on a queried window.
"""

from __future__ import annotations

from dataclasses import dataclass

from provider_sim.dataset_types import Dims
from provider_sim.prices import PRICES
from provider_sim.stable import stable_digits, stable_id, stable_rng


@dataclass(frozen=True)
class Combo:
    dims: Dims
    base_input_per_hour: float
    prompt_size: int  # average input tokens per request


@dataclass(frozen=True)
class AzureDeployment:
    name: str
    model: str
    model_version: str
    sku: str
    capacity: int


AZURE_SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
AZURE_RESOURCE_GROUP = "rg-genai"
AZURE_ACCOUNT = "aoai-sim-eastus"
AZURE_REGION = "eastus"
AZURE_DEPLOYMENTS = (
    AzureDeployment("gpt-4o", "gpt-4o", "2024-08-06", "GlobalStandard", 450),
    AzureDeployment("gpt-4o-mini", "gpt-4o-mini", "2024-07-18", "Standard", 120),
    AzureDeployment("gpt-41", "gpt-4.1", "2025-04-14", "GlobalStandard", 300),
    AzureDeployment("o4-mini", "o4-mini", "2025-04-16", "GlobalStandard", 200),
    AzureDeployment("embeddings-large", "text-embedding-3-large", "1", "Standard", 350),
    AzureDeployment("gpt-55-preview", "gpt-5.5-preview", "2026-01-01", "GlobalStandard", 50),
    AzureDeployment("gpt-4o-ptu", "gpt-4o", "2024-08-06", "GlobalProvisionedManaged", 50),
)

AWS_ACCOUNT = "123456789012"
BEDROCK_REGIONS = ("us-east-1", "us-west-2")
# The CloudWatch Logs group Bedrock model invocation logging writes to (the account's own choice).
INVOCATION_LOG_GROUP = "/aws/bedrock/modelinvocations"
# The IAM role the learning platform calls Bedrock with, and the one every other team uses.
PLATFORM_ROLE_ARN = f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/learning-platform/tutor-api"
OTHER_TEAMS_ROLE_ARN = f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/data-science/notebook"
VERTEX_LOCATIONS = ("us-central1", "europe-west4", "global")
PROVIDER_NAMES = ("openai", "anthropic", "azure", "bedrock", "vertex", "gemini")


def vertex_projects(org: str) -> tuple[str, ...]:
    return (f"{org}-genai-prod", f"{org}-genai-dev")


def gemini_projects(seed: int, org: str) -> tuple[str, ...]:
    return tuple(f"gen-lang-client-{stable_digits(seed, org, 'gemini', i, length=10)}" for i in range(2))


def _count(base: int, scale: float) -> int:
    return max(1, round(base * scale))


def build_combos(provider: str, seed: int, org: str, scale: float) -> tuple[Combo, ...]:
    rng = stable_rng(seed, org, provider, "universe")
    models = list(PRICES[provider])
    combos: dict[Dims, Combo] = {}

    def add(dims: Dims) -> None:
        kind = PRICES[provider][dims.model].kind
        base = rng.lognormvariate(11.0 if kind == "chat" else 11.5, 0.9)
        prompt = rng.randint(800, 4000) if dims.context_window == "0-200k" else rng.randint(210_000, 400_000)
        combos.setdefault(dims, Combo(dims, base, prompt))

    if provider == "azure":
        for dep in AZURE_DEPLOYMENTS:
            add(Dims(dep.model, dep.name, None, None, dep.sku, False, AZURE_REGION))
        return tuple(combos.values())

    pools = _pools(provider, seed, org, scale)
    target = _count({"openai": 28, "anthropic": 24, "bedrock": 10, "vertex": 14, "gemini": 9}[provider], scale)
    for i in range(target * 3):
        if len(combos) >= target:
            break
        model = models[i % len(models)]
        add(_draw_dims(provider, model, pools, rng))
    return tuple(combos.values())


def _pools(provider: str, seed: int, org: str, scale: float) -> dict[str, tuple[str | None, ...]]:
    def ids(prefix: str, kind: str, n: int, length: int = 24) -> tuple[str, ...]:
        return tuple(stable_id(prefix, seed, org, provider, kind, i, length=length) for i in range(n))

    if provider == "openai":
        return {
            "project": ids("proj_", "project", _count(4, scale)),
            "api_key": ids("key_", "key", _count(7, scale), 16),
            "user": ids("user-", "user", _count(9, scale), 24),
        }
    if provider == "anthropic":
        return {
            "project": (None, *ids("wrkspc_01", "workspace", _count(3, scale))),
            "api_key": (None, *ids("apikey_01", "key", _count(7, scale))),
        }
    if provider == "bedrock":
        return {"project": (AWS_ACCOUNT,), "region": BEDROCK_REGIONS}
    if provider == "vertex":
        return {"project": vertex_projects(org), "region": VERTEX_LOCATIONS}
    return {"project": gemini_projects(seed, org)}


def _draw_dims(provider: str, model: str, pools: dict[str, tuple[str | None, ...]], rng) -> Dims:
    price = PRICES[provider][model]
    project = rng.choice(pools["project"])
    if provider == "openai":
        batch = price.batch and rng.random() < 0.2
        tier = "default" if batch or not price.tiers or rng.random() < 0.5 else rng.choice(sorted(price.tiers))
        return Dims(model, project, rng.choice(pools["api_key"]), rng.choice(pools["user"]), tier, batch, "global")
    if provider == "anthropic":
        roll = rng.random()
        tier = "batch" if roll < 0.2 else "priority" if roll < 0.3 else "standard"
        window = "200k-1M" if price.long_context and rng.random() < 0.35 else "0-200k"
        return Dims(model, project, rng.choice(pools["api_key"]), None, tier, tier == "batch", "global", window)
    if provider in ("bedrock", "vertex"):
        window = "200k-1M" if price.long_context and rng.random() < 0.3 else "0-200k"
        return Dims(model, project, None, None, "standard", False, rng.choice(pools["region"]), window)
    window = "200k-1M" if price.long_context and rng.random() < 0.3 else "0-200k"
    return Dims(model, project, None, None, "standard", False, "global", window)
