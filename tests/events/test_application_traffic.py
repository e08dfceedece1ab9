"""The simulated applications' traffic end to end, as `make run` sends it: simulator endpoint ->
functions/record_usage/main.py -> in-process bus -> embedded BigQuery subscription -> raw table ->
consolidation. What is kept is exactly the calls the applications recorded, once each."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest

from genai_costs_cli.local.usage_traffic import send_application_traffic, simulator_deliveries
from provider_sim import SimConfig, serve
from provider_sim.config import TrafficPlan
from provider_sim.dataset import Dataset
from provider_sim.traffic import Traffic

from .conftest import DATASET, TODAY, TOPIC, EventsWorld

PLAN = TrafficPlan(days=2, daily_calls=(("openai", 300), ("anthropic", 300), ("azure", 600)), groq_calls_per_hour=4)


@pytest.fixture(scope="module")
def simulator():
    config = SimConfig(org="acme", start=TODAY - dt.timedelta(days=3), end=TODAY, traffic=PLAN)
    base_url, stop = serve(config)
    yield base_url, config
    stop()


def test_the_kept_events_are_the_recorded_calls_once_each(world: EventsWorld, simulator) -> None:
    base_url, config = simulator
    world.bus.subscribers.clear()  # send_application_traffic wires its own subscription
    sent = send_application_traffic(
        simulator_deliveries(base_url, page_size=50), bus=world.bus, warehouse=world.wh, dataset=DATASET, topic=TOPIC
    )
    world.consolidate()

    calls = Traffic(Dataset(config)).all_calls
    recorded = [c for c in calls if c.recorded]
    assert set(sent.statuses) <= {200, 207} and sent.answers["rejected"] == 0
    assert sent.events > len(recorded)  # resent batches and requeued events went out twice
    assert not world.bus.dead_letters

    kept = world.clean("event_id, provider, input_uncached_tokens + input_cached_tokens + output_tokens, occurrences")
    assert sorted(k[0] for k in kept) == sorted(c.event_id for c in recorded if not c.miscounted)
    assert sorted(q[1] for q in world.quarantined()) == sorted(c.event_id for c in recorded if c.miscounted)
    tokens: dict[str, int] = defaultdict(int)
    for c in recorded:
        if not c.miscounted:
            tokens[c.provider] += c.usage.uncached_input + c.usage.cached_input + c.usage.output
    assert {p: sum(k[2] for k in kept if k[1] == p) for p in tokens} == dict(tokens)
    copies = Counter(k[3] for k in kept)
    assert copies[1] > 0 and sum(n for occurrences, n in copies.items() if occurrences > 1) > 0
    assert sum(k[3] for k in kept) + sum(q[0] for q in world.quarantined("occurrences")) == sent.events
