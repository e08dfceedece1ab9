"""The organization's scheduled jobs on a laptop: the cron expressions and messages Terraform gives
Cloud Scheduler (``genai_costs.model.schedules``), fired by croniter in the schedules' time zone,
published to the local bus until stopped.

Like Cloud Scheduler, a job fires at each cron time while the process runs; times missed while it
was not running are not replayed (the trailing window of the next run re-pulls the recent days).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from croniter import croniter

from genai_costs.messaging.base import Publisher
from genai_costs.model.schedules import ScheduledFlow, ScheduledJob

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Firing:
    """One job published at one scheduled time."""

    job: ScheduledJob
    scheduled_for: dt.datetime
    message_id: str


@dataclass
class LocalScheduler:
    jobs: list[ScheduledJob]
    publisher: Publisher
    topic_for: Callable[[ScheduledFlow], str]
    time_zone: str = "Etc/UTC"
    clock: Clock = field(default=lambda: dt.datetime.now(dt.UTC))
    on_fire: Callable[[Firing], None] | None = None
    fired: list[Firing] = field(default_factory=list)

    def __post_init__(self) -> None:
        bad = [j.key for j in self.jobs if not croniter.is_valid(j.cron)]
        if bad:
            raise ValueError(f"invalid cron expression for {', '.join(bad)}")
        zone = ZoneInfo(self.time_zone)
        start = self.clock().astimezone(zone)
        self._next = {j.key: croniter(j.cron, start).get_next(dt.datetime) for j in self.jobs}

    def next_fire(self) -> dt.datetime | None:
        return min(self._next.values(), default=None)

    def upcoming(self) -> list[tuple[ScheduledJob, dt.datetime]]:
        return sorted(((j, self._next[j.key]) for j in self.jobs), key=lambda pair: (pair[1], pair[0].key))

    def fire_due(self) -> list[Firing]:
        """Publish every job whose time has come (each once, even if several of its times passed)."""
        now = self.clock()
        fired = []
        for job in sorted(self.jobs, key=lambda j: (self._next[j.key], j.key)):
            due = self._next[job.key]
            if due > now:
                continue
            attributes = {"org_slug": str(job.message["org_slug"]), "flow": job.flow, "origin": "scheduler"}
            message_id = self.publisher.publish(self.topic_for(job.flow), job.message, attributes)
            firing = Firing(job, due, message_id)
            fired.append(firing)
            self.fired.append(firing)
            if self.on_fire:
                self.on_fire(firing)
            self._next[job.key] = croniter(job.cron, now.astimezone(due.tzinfo)).get_next(dt.datetime)
        return fired

    def run(self, stop: threading.Event) -> None:
        """Fire jobs at their times until ``stop`` is set (then return at once)."""
        while not stop.is_set():
            self.fire_due()
            upcoming = self.next_fire()
            if upcoming is None:
                stop.wait()
                return
            wait = (upcoming - self.clock()).total_seconds()
            stop.wait(max(wait, 0.0) + 0.01)
