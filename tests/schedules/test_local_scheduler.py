"""The local scheduler fires Terraform's jobs at Terraform's cron times, in the schedules' time zone."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest

from genai_costs.model.schedules import DEFAULT_SCHEDULES, topic_name
from genai_costs.model.schedules import scheduled_jobs as terraform_jobs
from genai_costs_cli.local.scheduler import LocalScheduler

from .conftest import Recorder

UTC = dt.UTC


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def scheduler(clock: Clock, bus: Recorder, time_zone: str = "Etc/UTC", **kw) -> LocalScheduler:
    jobs = terraform_jobs("acme", providers=["openai"], commitment_types=["azure_ptu"], **kw)
    return LocalScheduler(jobs, bus, lambda flow: topic_name("acme", flow), time_zone=time_zone, clock=clock)


def test_two_days_of_the_default_schedules_fire_each_job_at_its_cron_times():
    clock, bus = Clock(dt.datetime(2026, 3, 15, 5, 59, 59, tzinfo=UTC)), Recorder()
    local = scheduler(clock, bus)
    # Step through two days minute by minute, as time passes for a running `serve`.
    for _ in range(2 * 24 * 60):
        clock.now += dt.timedelta(minutes=1)
        local.fire_due()
    times = [(f.job.key, f.scheduled_for.strftime("%d %H:%M")) for f in local.fired]
    assert times == [
        ("payg-openai", "15 06:00"),
        ("consolidate", "15 07:00"),
        ("payg-openai", "15 12:00"),
        ("payg-openai", "15 18:00"),
        ("payg-openai", "16 00:00"),
        ("commitment-azure-ptu", "16 05:30"),
        ("payg-openai", "16 06:00"),
        ("consolidate", "16 07:00"),
        ("payg-openai", "16 12:00"),
        ("payg-openai", "16 18:00"),
        ("payg-openai", "17 00:00"),
        ("commitment-azure-ptu", "17 05:30"),
    ]
    # Each firing publishes the scheduled job's message (no dates: the trailing window) to its topic.
    assert bus.sent[0] == {
        "topic": "genai-acme-payg",
        "payload": {"org_slug": "acme", "provider": "openai"},
        "attributes": {"org_slug": "acme", "flow": "payg", "origin": "scheduler"},
        "key": None,
    }
    assert {m["topic"] for m in bus.sent} == {"genai-acme-payg", "genai-acme-consolidate", "genai-acme-commitment"}


def test_a_stalled_clock_fires_a_missed_time_once_not_once_per_missed_time():
    clock, bus = Clock(dt.datetime(2026, 3, 15, 0, 30, tzinfo=UTC)), Recorder()
    local = scheduler(clock, bus)
    clock.now = dt.datetime(2026, 3, 15, 19, 0, tzinfo=UTC)  # the laptop slept through 06:00, 12:00, 18:00
    fired = [f.job.key for f in local.fire_due()]
    assert sorted(fired) == ["commitment-azure-ptu", "consolidate", "payg-openai"]
    assert local.fire_due() == []
    assert local.upcoming()[0][1] == dt.datetime(2026, 3, 16, 0, 0, tzinfo=UTC)


def test_cron_times_are_read_in_the_schedules_time_zone():
    berlin = ZoneInfo("Europe/Berlin")
    clock, bus = Clock(dt.datetime(2026, 3, 15, 0, 0, tzinfo=UTC)), Recorder()
    local = scheduler(clock, bus, time_zone="Europe/Berlin")
    next_consolidate = {j.key: t for j, t in local.upcoming()}["consolidate"]
    assert next_consolidate == dt.datetime(2026, 3, 15, 7, 0, tzinfo=berlin)  # 06:00 UTC in winter


def test_run_returns_when_stopped():
    clock, bus = Clock(dt.datetime(2026, 3, 15, 5, 0, tzinfo=UTC)), Recorder()
    local = scheduler(clock, bus)
    stop = threading.Event()
    worker = threading.Thread(target=local.run, args=(stop,))
    worker.start()
    stop.set()
    worker.join(timeout=5)
    assert not worker.is_alive() and bus.sent == []


def test_an_invalid_cron_is_refused():
    jobs = [
        j.model_copy(update={"cron": "61 * * * *"})
        for j in terraform_jobs("acme", providers=["openai"], commitment_types=[])
    ]
    with pytest.raises(ValueError, match="invalid cron expression for consolidate, payg-openai"):
        LocalScheduler(jobs, Recorder(), lambda flow: flow)


def test_default_schedules_are_the_ones_used():
    jobs = {j.key: j.cron for j in terraform_jobs("acme", providers=["openai"], commitment_types=["vertex_gpu"])}
    assert jobs == {
        "payg-openai": DEFAULT_SCHEDULES.payg,
        "infrastructure-vertex-gpu": DEFAULT_SCHEDULES.infrastructure,
        "consolidate": DEFAULT_SCHEDULES.consolidate,
    }
