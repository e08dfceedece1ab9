"""Capacity commitments and GPU endpoints of the simulated organisation.

Commitments (all derived from (seed, org, window start) and the data set's combos, never from a
queried window):

| provider | commitment | id | active | notes |
|---|---|---|---|---|
| azure | PTU deployment `gpt-4o-ptu` (GlobalProvisionedManaged, 50 PTU) | deployment name | always (created 45 days before `start`) | excess demand spills to the `gpt-4o` GlobalStandard deployment |
| bedrock | provisioned throughput bought MID-MONTH | provisioned model ARN | `start + 9 d 14:23:17` for 30 days (`OneMonth`) | a us-east-1 on-demand model's demand moves onto the ARN |
| bedrock | provisioned throughput EXPIRING mid-window | provisioned model ARN | `start - 20 d + 06:10` until `start + 10 d 06:10` (`OneMonth`) | after expiry traffic returns to on-demand |
| vertex | Provisioned Throughput order, 2 GSU | order id | `start + 3 d` until `start + 24 d` (midnights) | request_type `dedicated`; excess is `spillover` |

Each hour a commitment is active, the demand of its base combo is split: up to the capacity of
that hour (``units x capacity_per_unit_hour x active_seconds / 3600``, floored) is served by the
commitment (``Dims.traffic == "provisioned"``, no token charge); the excess is ``"spillover"`` and
billed pay-as-you-go on the on-demand model / the standard deployment. So spilled tokens are never
in the provisioned usage and the provisioned usage never exceeds the capacity (utilization <= 1).

Capacity per unit is a simulator convention (1.2 x the base combo's typical hourly input), chosen
so that busy hours spill and quiet hours leave capacity unused.

GPU endpoints: Vertex AI online prediction endpoints with dedicated accelerators; replicas per hour
are drawn per (deployed model, hour); the billing export carries one GPU SKU row per
(project, region, accelerator, hour) = GPU-seconds x the SKU's hourly rate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from provider_sim.catalog import AWS_ACCOUNT, AZURE_DEPLOYMENTS, AZURE_REGION, Combo, vertex_projects
from provider_sim.config import SimConfig
from provider_sim.dataset_types import CATEGORIES, Usage, UsageRow
from provider_sim.prices import AZURE_PTU_HOURLY_USD, PRICES
from provider_sim.stable import stable_hex, stable_rng
from provider_sim.timeutil import fmt_rfc3339

HOUR = timedelta(hours=1)
CAPACITY_HEADROOM = 1.2
BEDROCK_PT_HOURLY_USD = (Decimal("21.18"), Decimal("24.00"))  # per model unit-hour (convention)
VERTEX_GSU_HOURLY_USD = Decimal("2.70")  # per GSU-hour (convention)


@dataclass(frozen=True)
class Commitment:
    provider: str  # data-set provider: azure | bedrock | vertex
    commitment_id: str  # Azure deployment name | Bedrock provisioned model ARN | Vertex order id
    name: str
    model: str
    region: str
    project: str  # Azure deployment / AWS account / GCP project of the base combo
    units: int  # PTUs | model units | GSUs
    start: datetime
    end: datetime | None  # exclusive; None = still running
    capacity_per_unit_hour: int  # tokens one unit serves in one hour
    unit_hourly_usd: Decimal
    term: str | None = None  # Bedrock commitmentDuration
    spill_to: str | None = None  # Azure: deployment that takes the excess

    def active_seconds(self, lo: datetime, hi: datetime) -> int:
        a = max(lo, self.start)
        b = hi if self.end is None else min(hi, self.end)
        return max(0, int((b - a).total_seconds()))

    def capacity(self, lo: datetime, hi: datetime) -> int:
        """Tokens the commitment can serve in [lo, hi) (floored)."""
        return self.units * self.capacity_per_unit_hour * self.active_seconds(lo, hi) // 3600

    @property
    def tokens_per_unit_minute(self) -> int:
        return self.capacity_per_unit_hour // 60

    @property
    def tokens_per_unit_second(self) -> int:
        return self.capacity_per_unit_hour // 3600


@dataclass(frozen=True)
class GpuDeployment:
    project: str
    location: str
    endpoint_id: str
    endpoint_name: str
    deployed_model_id: str
    display_name: str
    machine_type: str
    accelerator_type: str
    accelerator_count: int  # per replica
    min_replicas: int
    max_replicas: int


GPU_HOURLY_USD = {"NVIDIA_H100_80GB": Decimal("9.7955"), "NVIDIA_L4": Decimal("0.7003")}  # per GPU-hour
GPU_SKU_NAMES = {"NVIDIA_H100_80GB": "Nvidia H100 80GB GPU", "NVIDIA_L4": "Nvidia L4 GPU"}
GEOGRAPHY = {"us-central1": "Americas", "europe-west4": "EMEA"}


def gpu_sku(accelerator: str, location: str) -> tuple[str, str]:
    """(sku id, description) e.g. "Vertex AI: Online Prediction Nvidia H100 80GB GPU running in Americas"."""
    description = f"Vertex AI: Online Prediction {GPU_SKU_NAMES[accelerator]} running in {GEOGRAPHY[location]}"
    sku = stable_hex("sku", description, length=12)
    return "-".join(sku[i : i + 4] for i in range(0, 12, 4)), description


def gpu_deployments(config: SimConfig) -> tuple[GpuDeployment, ...]:
    prod = vertex_projects(config.org)[0]

    def ident(*parts: object) -> str:
        return str(int(stable_hex(config.seed, config.org, "gpu", *parts, length=15), 16))[:19].rjust(19, "1")

    us, eu = ident("endpoint", 1), ident("endpoint", 2)
    return (
        GpuDeployment(
            prod,
            "us-central1",
            us,
            "llm-serving-us",
            ident("dm", 1),
            "llama-3-1-70b-instruct",
            "a3-highgpu-2g",
            "NVIDIA_H100_80GB",
            2,
            1,
            3,
        ),
        GpuDeployment(
            prod,
            "us-central1",
            us,
            "llm-serving-us",
            ident("dm", 2),
            "gemma-2-27b-it",
            "a3-highgpu-1g",
            "NVIDIA_H100_80GB",
            1,
            1,
            2,
        ),
        GpuDeployment(
            prod,
            "europe-west4",
            eu,
            "embeddings-eu",
            ident("dm", 3),
            "e5-large-v2",
            "g2-standard-8",
            "NVIDIA_L4",
            1,
            1,
            2,
        ),
    )


def replicas(config: SimConfig, deployment: GpuDeployment, hour: datetime) -> int:
    """Replicas serving during one UTC hour (0 outside the data set's live range)."""
    if not (config.window_start <= hour < min(config.window_end, config.effective_now)):
        return 0
    rng = stable_rng(config.seed, config.org, "replicas", deployment.deployed_model_id, fmt_rfc3339(hour))
    return rng.randint(deployment.min_replicas, deployment.max_replicas)


def _per_unit(base: float, units: int, granularity: int) -> int:
    """Tokens per unit-hour, a multiple of ``granularity`` seconds' worth of whole tokens."""
    per_unit = base * CAPACITY_HEADROOM / units
    return max(1, round(per_unit / granularity)) * granularity


def build_commitments(config: SimConfig, combos: dict[str, tuple[Combo, ...]]) -> tuple[Commitment, ...]:
    start = config.window_start
    found: list[Commitment] = []

    ptu = next(d for d in AZURE_DEPLOYMENTS if d.sku.endswith("ProvisionedManaged"))
    base = next(c for c in combos["azure"] if c.dims.project == ptu.name)
    spill = next(d for d in AZURE_DEPLOYMENTS if d.model == ptu.model and not d.sku.endswith("ProvisionedManaged"))
    found.append(
        Commitment(
            "azure",
            ptu.name,
            ptu.name,
            ptu.model,
            AZURE_REGION,
            ptu.name,
            ptu.capacity,
            start - timedelta(days=45),
            None,
            _per_unit(base.base_input_per_hour, ptu.capacity, 60),
            AZURE_PTU_HOURLY_USD,
            spill_to=spill.name,
        )
    )

    bedrock = sorted(
        (
            c
            for c in combos["bedrock"]
            if c.dims.region == "us-east-1"
            and PRICES["bedrock"][c.dims.model].kind == "chat"
            and not c.dims.model.startswith("us.")
        ),
        key=lambda c: c.dims.model,
    )
    windows = (
        (start + timedelta(days=9, hours=14, minutes=23, seconds=17), "mid-month"),
        (start - timedelta(days=20) + timedelta(hours=6, minutes=10), "expiring"),
    )
    for i, (combo, (begin, label)) in enumerate(zip(bedrock, windows, strict=False)):
        pt_id = stable_hex(config.seed, config.org, "bedrock-pt", i, length=12).lower()
        arn = f"arn:aws:bedrock:{combo.dims.region}:{AWS_ACCOUNT}:provisioned-model/{pt_id}"
        short = combo.dims.model.split(".")[-1].split("-v")[0]
        found.append(
            Commitment(
                "bedrock",
                arn,
                f"pt-{short}-{label}",
                combo.dims.model,
                combo.dims.region,
                combo.dims.project or AWS_ACCOUNT,
                1,
                begin,
                begin + timedelta(days=30),
                _per_unit(combo.base_input_per_hour, 1, 60),
                BEDROCK_PT_HOURLY_USD[i],
                term="OneMonth",
            )
        )

    prod = vertex_projects(config.org)[0]
    vertex = sorted(
        (
            c
            for c in combos["vertex"]
            if c.dims.project == prod and c.dims.region != "global" and PRICES["vertex"][c.dims.model].kind == "chat"
        ),
        key=lambda c: (c.dims.region != "us-central1", c.dims.model),
    )
    if vertex:
        combo = vertex[0]
        order = "gsu-" + stable_hex(config.seed, config.org, "gsu", length=10).lower()
        found.append(
            Commitment(
                "vertex",
                order,
                f"{combo.dims.model} provisioned throughput",
                combo.dims.model,
                combo.dims.region,
                prod,
                2,
                start + timedelta(days=3),
                start + timedelta(days=24),
                _per_unit(combo.base_input_per_hour, 2, 3600),
                VERTEX_GSU_HOURLY_USD,
            )
        )
    return tuple(found)


def take(usage: Usage, want: int) -> Usage:
    """The part of ``usage`` worth exactly ``want`` tokens (0 <= want <= usage.tokens)."""
    total = usage.tokens
    if want >= total:
        return usage
    if want <= 0:
        return Usage()
    counted = list(CATEGORIES)  # every category counts towards tokens
    part = {c: getattr(usage, c) * want // total for c in counted}
    rest = want - sum(part.values())
    for c in counted:  # hand out the flooring remainder without exceeding any category
        extra = min(rest, getattr(usage, c) - part[c])
        part[c] += extra
        rest -= extra
    requests = max(1, usage.requests * want // total) if usage.requests else 0
    return Usage(
        **part, reasoning=min(usage.reasoning * want // total, part["output"]), requests=requests, web_search_requests=0
    )


def split_hour(
    commitments: tuple[Commitment, ...], provider: str, hour: datetime, rows: tuple[UsageRow, ...]
) -> tuple[UsageRow, ...]:
    """Route each active commitment's base-combo demand to provisioned + spillover rows."""
    out = list(rows)
    for c in commitments:
        if c.provider != provider:
            continue
        capacity = c.capacity(hour, hour + HOUR)
        if not c.active_seconds(hour, hour + HOUR):
            continue
        for i, row in enumerate(out):
            d = row.dims
            if d.traffic != "payg" or d.model != c.model or d.region != c.region or d.project != c.project:
                continue
            served = take(row.usage, min(row.usage.tokens, capacity))
            excess = row.usage.minus(served)
            new = []
            if not served.is_zero():
                new.append(
                    UsageRow(
                        provider, row.start, replace(d, traffic="provisioned", capacity_id=c.commitment_id), served
                    )
                )
            if excess.tokens > 0:
                if c.spill_to:
                    target = next(x for x in AZURE_DEPLOYMENTS if x.name == c.spill_to)
                    spill_dims = replace(d, project=target.name, service_tier=target.sku, traffic="spillover")
                else:
                    spill_dims = replace(d, traffic="spillover")
                new.append(UsageRow(provider, row.start, spill_dims, excess))
            out[i : i + 1] = new
            break
    return tuple(out)


def commitments(dataset, provider: str | None = None) -> tuple[Commitment, ...]:
    """The simulated commitments of a data set (optionally of one data-set provider)."""
    return tuple(c for c in dataset.commitments if provider in (None, c.provider))
