"""The bus `serve` uses: ids at once, one delivery at a time in order, no pile-up, a clean stop."""

from __future__ import annotations

import threading

from genai_costs_cli.local.inprocess import InProcessBus
from genai_costs_cli.local.queued_bus import QueuedBus


def blocking_bus():
    release, delivered = threading.Event(), []

    def handler(event):
        release.wait(10)
        delivered.append(event["id"])

    bus = InProcessBus()
    bus.subscribe("t", handler)
    return bus, release, delivered


def test_a_message_identical_to_one_still_queued_joins_it_and_order_is_kept():
    bus, release, delivered = blocking_bus()
    queued = QueuedBus(bus)
    first = queued.publish("t", {"org_slug": "acme", "provider": "openai"})  # taken by the worker, blocks
    while not queued._queue.empty():  # the worker took the first message
        pass
    second = queued.publish("t", {"org_slug": "acme", "provider": "anthropic"})
    again = queued.publish("t", {"provider": "anthropic", "org_slug": "acme"})  # same body, still waiting
    assert again == second and queued.coalesced == 1
    release.set()
    queued.join()
    assert delivered == [first, second]
    assert queued.publish("t", {"org_slug": "acme", "provider": "anthropic"}) != second  # delivered: a new run
    queued.close()


def test_close_finishes_the_delivery_in_progress_and_drops_the_queue():
    bus, release, delivered = blocking_bus()
    queued = QueuedBus(bus)
    first = queued.publish("t", {"n": 1})
    while not queued._queue.empty():
        pass
    queued.publish("t", {"n": 2})
    queued.publish("t", {"n": 3})
    closer = threading.Thread(target=lambda: setattr(queued, "result", queued.close()))
    closer.start()
    release.set()
    closer.join(10)
    assert delivered == [first] and queued.result == 2


def test_a_reader_goes_before_the_next_delivery():
    bus, release, delivered = blocking_bus()
    queued = QueuedBus(bus)
    queued.publish("t", {"n": 1})
    while not queued._queue.empty():
        pass
    queued.publish("t", {"n": 2})
    order = []

    def read():
        with queued.reading(timeout=10) as free:
            order.append(("read", free, len(delivered)))

    reader = threading.Thread(target=read)
    reader.start()
    release.set()
    reader.join(10)
    queued.join()
    assert order == [("read", True, 1)], "the reader waited for delivery 1 only, not for delivery 2"
    with queued.reading(timeout=0.1) as free:
        assert free
    queued.close()
