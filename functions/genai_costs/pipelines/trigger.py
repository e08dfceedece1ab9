"""A manual run: publish the same message the scheduler would, so the run takes the normal path
(the flow's function, the ledger, Pub/Sub retries and dead-lettering).

Without dates the message is exactly the scheduled job's (the function re-pulls its trailing
window). With dates, one message per calendar-month chunk (``backfill.split_window``). Each
published message id is the run's ``trigger_id`` in the ledger, which is how the caller follows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..errors import ValidationError
from ..messaging.base import Publisher
from ..model.messages import CommitmentMessage, ConsolidateMessage, PaygMessage
from ..model.schedules import ScheduledFlow, flow_of_commitment_type
from ..model.window import Window
from ..orgs import validate_org_slug
from ..providers.ids import COMMITMENT_TYPES, PROVIDERS
from .backfill import split_window

RouteKind = Literal["payg", "commitment", "consolidate"]
# Messages from this path carry the scheduler's attributes plus where they came from.
ORIGIN_ATTRIBUTE = "origin"


class RunTarget(BaseModel):
    """What a route names: the organization, the flow and the provider or commitment type."""

    model_config = ConfigDict(frozen=True)

    org_slug: str
    flow: ScheduledFlow
    source: str  # provider, commitment type, or "all" for consolidation

    @classmethod
    def from_route(cls, org_slug: str, kind: RouteKind, source: str | None = None) -> RunTarget:
        """Validate the route's parts; ValidationError names the known values."""
        validate_org_slug(org_slug)
        if kind == "payg":
            if source not in PROVIDERS:
                raise ValidationError(f"unknown provider {_shown(source)}: use one of {', '.join(PROVIDERS)}")
            return cls(org_slug=org_slug, flow="payg", source=source)
        if kind == "commitment":
            if source not in COMMITMENT_TYPES:
                raise ValidationError(
                    f"unknown commitment type {_shown(source)}: use one of {', '.join(COMMITMENT_TYPES)}"
                )
            return cls(org_slug=org_slug, flow=flow_of_commitment_type(source), source=source)
        return cls(org_slug=org_slug, flow="consolidate", source="all")

    def message(self, window: Window | None) -> dict[str, Any]:
        """The message body the flow's function accepts (validated by the same model it uses)."""
        dates: dict[str, Any] = {"start_date": window.start, "end_date": window.end} if window else {}
        model: BaseModel
        if self.flow == "payg":
            model = PaygMessage.model_validate({"org_slug": self.org_slug, "provider": self.source, **dates})
        elif self.flow == "consolidate":
            model = ConsolidateMessage.model_validate({"org_slug": self.org_slug, **dates})
        else:
            model = CommitmentMessage.model_validate(
                {"org_slug": self.org_slug, "commitment_type": self.source, **dates}
            )
        # Defaults left out: the message is the one Cloud Scheduler publishes for the same job, byte for byte.
        return model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)

    def ordering_key(self) -> str | None:
        # Consolidation chunks must run oldest first: one-time free tiers carry cumulative usage
        # from earlier months. Ingestion chunks are independent and may run in parallel.
        return f"{self.org_slug}/consolidate" if self.flow == "consolidate" else None


def _shown(value: str | None) -> str:
    return repr(value if value is None or len(value) <= 40 else value[:40] + "…")


class PublishedChunk(BaseModel):
    message_id: str | None  # None on a dry run
    start_date: dt.date | None
    end_date: dt.date | None  # exclusive


class RunAccepted(BaseModel):
    """The answer to a manual run: what was published where, and how to follow it."""

    org_slug: str
    flow: ScheduledFlow
    source: str
    topic: str
    dry_run: bool
    window: PublishedChunk  # the whole request; no dates = the trailing window
    trailing_days: int | None  # set when the functions choose the window
    messages: list[PublishedChunk]
    follow: dict[str, str]


def trigger_run(
    target: RunTarget,
    window: Window | None,
    *,
    publisher: Publisher,
    topic_for: Callable[[ScheduledFlow], str],
    trailing_days: int,
    dry_run: bool = False,
) -> RunAccepted:
    """Publish one message (no window) or one per month of ``window``; nothing on a dry run."""
    chunks: list[Window | None] = list(split_window(window)) if window else [None]
    topic = topic_for(target.flow)
    attributes = {"org_slug": target.org_slug, "flow": target.flow, ORIGIN_ATTRIBUTE: "pipelines"}
    published = []
    for chunk in chunks:
        message_id = None
        if not dry_run:
            message_id = publisher.publish(topic, target.message(chunk), attributes, ordering_key=target.ordering_key())
        published.append(
            PublishedChunk(
                message_id=message_id,
                start_date=chunk.start if chunk else None,
                end_date=chunk.end if chunk else None,
            )
        )
    return RunAccepted(
        org_slug=target.org_slug,
        flow=target.flow,
        source=target.source,
        topic=topic,
        dry_run=dry_run,
        window=PublishedChunk(
            message_id=None, start_date=window.start if window else None, end_date=window.end if window else None
        ),
        trailing_days=None if window else trailing_days,
        messages=published,
        follow=_follow(target, topic, dry_run),
    )


def _follow(target: RunTarget, topic: str, dry_run: bool) -> dict[str, str]:
    if dry_run:
        return {"note": "dry run: nothing was published"}
    provider = "" if target.source == "all" else f"&provider={target.source}"
    return {
        "runs": f"/pipelines/runs/{target.org_slug}?flow={target.flow}{provider}",
        "ledger": "each message id is the trigger_id of its run in genai_ingestion_runs "
        "(started, then succeeded or failed); filter with ?trigger_id=MESSAGE_ID",
        "dead_letters": f"a message that keeps failing moves to {topic}-dlq after the subscription's delivery attempts",
    }
