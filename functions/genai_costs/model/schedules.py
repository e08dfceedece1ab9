"""The scheduled jobs of one organization: which message each job publishes, to which flow, when.

One definition for both schedulers. In the cloud, Terraform creates one Cloud Scheduler job per
entry (``terraform/modules/genai_costs_org``: the ``schedules`` variable and ``local.scheduler_jobs``;
``tests/terraform`` checks the variable's defaults against :data:`DEFAULT_SCHEDULES` and the job
names and messages Terraform computes against :func:`scheduled_jobs`). On a laptop,
``genai-costs serve`` runs the same jobs on the same cron expressions against the in-process bus.

A job's message carries no dates: the function then re-pulls the trailing ``trailing_days`` whole
days before today, because providers revise recent days. Both schedulers therefore cover the same
windows.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..orgs import validate_org_slug
from .provider_catalog import COMMITMENT_TYPE_IDS, PROVIDER_IDS, commitment_type

ScheduledFlow = Literal["payg", "commitment", "infrastructure", "consolidate"]
SCHEDULED_FLOWS: tuple[ScheduledFlow, ...] = ("payg", "commitment", "infrastructure", "consolidate")

_CRON_FIELDS = re.compile(r"^\S+(\s+\S+){4}$")
DEFAULT_PREFIX = "genai"


class Schedules(BaseModel):
    """Cron expressions (5 fields, in ``time_zone``) per flow and the trailing window in days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    payg: str = Field("0 */6 * * *", description="Pay-as-you-go usage and cost, every 6 hours")
    commitment: str = Field("30 5 * * *", description="Capacity commitments, daily")
    infrastructure: str = Field("45 5 * * *", description="GPU hours, daily")
    consolidate: str = Field("0 7 * * *", description="Consolidation to unified costs and FOCUS, daily")
    time_zone: str = "Etc/UTC"
    trailing_days: int = Field(3, ge=1, le=31, description="Days a job without dates re-pulls")

    @field_validator("payg", "commitment", "infrastructure", "consolidate")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if not _CRON_FIELDS.match(value.strip()):
            raise ValueError(f"{value!r} is not a 5-field cron expression (minute hour day-of-month month day-of-week)")
        return value.strip()

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    def cron(self, flow: ScheduledFlow) -> str:
        return str(getattr(self, flow))


DEFAULT_SCHEDULES = Schedules()

# Jobs Terraform also creates that move no provider data: the daily price catalog sync and the budget
# evaluation, keyed by job key: (flow, default cron). `genai-costs serve` does not run them (the embedded
# `run` syncs prices and evaluates budgets itself); the cloud's `schedules list` shows them like any job.
GOVERNANCE_JOBS: dict[str, tuple[str, str]] = {
    "sync-prices": ("prices", "15 6 * * *"),
    "budgets": ("budgets", "*/5 * * * *"),
}


class ScheduledJob(BaseModel):
    """One job: ``key`` is the suffix of its name, e.g. ``payg-azure-openai``."""

    model_config = ConfigDict(frozen=True)

    key: str
    flow: ScheduledFlow
    cron: str
    message: dict[str, Any]

    @property
    def source(self) -> str:
        """The provider or commitment type the job ingests; ``all`` for consolidation."""
        return str(self.message.get("provider") or self.message.get("commitment_type") or "all")


def flow_of_commitment_type(commitment_type_id: str) -> ScheduledFlow:
    """commitment (capacity bought for a term) or infrastructure (metered GPU hours): each has its own
    topic and schedule, both served by ingest_commitment."""
    return commitment_type(commitment_type_id).flow


def scheduled_jobs(
    org_slug: str,
    *,
    providers: tuple[str, ...] | list[str] = PROVIDER_IDS,
    commitment_types: tuple[str, ...] | list[str] = COMMITMENT_TYPE_IDS,
    invocation_logs: tuple[str, ...] | list[str] = (),
    schedules: Schedules = DEFAULT_SCHEDULES,
) -> list[ScheduledJob]:
    """The jobs Terraform creates for an organization with these providers and commitment types
    (``org.commitment_types`` and ``org.infrastructure_types`` together) and the providers whose
    per-request invocation logs it reads (``org.invocation_logs``; off by default, as Bedrock's model
    invocation logging is), in Terraform's key order."""
    validate_org_slug(org_slug)
    unknown = sorted(set(providers) - set(PROVIDER_IDS)) + sorted(set(commitment_types) - set(COMMITMENT_TYPE_IDS))
    if unknown:
        raise ValueError(f"unknown providers or commitment types: {', '.join(unknown)}")
    jobs = [
        ScheduledJob(
            key=f"payg-{_dashed(p)}", flow="payg", cron=schedules.payg, message={"org_slug": org_slug, "provider": p}
        )
        for p in providers
    ]
    jobs += [
        ScheduledJob(
            key=f"invocations-{_dashed(p)}",
            flow="payg",  # served by ingest_payg, recorded in the ledger as flow invocations
            cron=schedules.payg,
            message={"org_slug": org_slug, "provider": p, "source": "invocation_logs"},
        )
        for p in invocation_logs
    ]
    for c in commitment_types:
        flow = flow_of_commitment_type(c)
        jobs.append(
            ScheduledJob(
                key=f"{flow}-{_dashed(c)}",
                flow=flow,
                cron=schedules.cron(flow),
                message={"org_slug": org_slug} | {"commitment_type": c},
            )
        )
    jobs.append(
        ScheduledJob(key="consolidate", flow="consolidate", cron=schedules.consolidate, message={"org_slug": org_slug})
    )
    return sorted(jobs, key=lambda j: j.key)


def _dashed(name: str) -> str:
    return name.replace("_", "-")


def resource_prefix(org_slug: str, prefix: str = DEFAULT_PREFIX) -> str:
    """``{prefix}-{org slug with dashes}``: how Terraform names every resource of the organization
    (topics ``{…}-{flow}``, jobs ``{…}-{job key}``, functions, service accounts)."""
    return f"{prefix}-{_dashed(validate_org_slug(org_slug))}"


def topic_name(org_slug: str, flow: ScheduledFlow, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{resource_prefix(org_slug, prefix)}-{flow}"


def job_name(org_slug: str, key: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{resource_prefix(org_slug, prefix)}-{key}"
