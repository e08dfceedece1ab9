"""What ``UsageClient.record`` costs the caller, per SDK response type, and the queue's memory ceiling.

    .venv/bin/python client/bench/record_overhead.py

Prints microseconds per call (median and p99 over 20,000 calls) with a sink that never answers, so
the figures include no delivery work on the caller's thread, and the traced memory after a flood of
200,000 calls into a 10,000-event queue. Needs the dev extras (openai, anthropic, google-genai) to
build real SDK objects.
"""

from __future__ import annotations

import logging
import statistics
import sys
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "client" / "src"), str(ROOT)]

from genai_costs_client import UsageClient, attribution  # noqa: E402
from tests.client import sdk_responses as sdk  # noqa: E402

CALLS = 20_000


class NeverAnswers:
    def __init__(self) -> None:
        self.release = threading.Event()

    def send(self, batch):
        self.release.wait(600)
        raise TimeoutError

    def close(self) -> None:
        return None


def per_call_us(response, **options) -> tuple[float, float]:
    sink = NeverAnswers()
    client = UsageClient(sink, source="bench", max_queue=CALLS + 10)
    samples = []
    with attribution(tenant_id="school-12", user_id="learner-7", service="tutor", workflow_id="lesson-3"):
        for _ in range(CALLS):
            started = time.perf_counter_ns()
            client.record(response, **options)
            samples.append((time.perf_counter_ns() - started) / 1000)
    client.close(timeout=0)
    sink.release.set()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


def flood_memory() -> tuple[int, int]:
    sink = NeverAnswers()
    client = UsageClient(sink, source="bench", max_queue=10_000)
    response = sdk.openai_chat_reasoning()
    tracemalloc.start()
    for _ in range(200_000):
        client.record(response)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    dropped = client.stats().dropped_queue_full
    client.close(timeout=0)
    sink.release.set()
    return peak, dropped


def main() -> None:
    logging.getLogger("genai_costs_client").setLevel(logging.ERROR)  # the drops are the point here
    cases = {
        "OpenAI ChatCompletion": (sdk.openai_chat_reasoning(), {}),
        "OpenAI Response": (sdk.openai_responses(), {}),
        "Anthropic Message": (sdk.anthropic_message(), {}),
        "Gemini GenerateContentResponse": (sdk.gemini_response(), {}),
        "Bedrock Converse dict": (sdk.bedrock_converse(), {"model": "anthropic.claude-3-5-haiku-20241022-v1:0"}),
        "plain usage dict": ({"provider": "openai", "model": "gpt-4o", "prompt_tokens": 10}, {}),
    }
    print(f"record() on the caller's thread, {CALLS:,} calls each, sink never answers")
    for name, (response, options) in cases.items():
        median, p99 = per_call_us(response, **options) if name != "plain usage dict" else _plain(response)
        print(f"  {name:32s} median {median:6.1f} us   p99 {p99:6.1f} us")
    peak, dropped = flood_memory()
    print(
        f"flood: 200,000 calls into a 10,000-event queue: peak traced memory {peak / 1e6:.1f} MB, {dropped:,} dropped"
    )


def _plain(usage) -> tuple[float, float]:
    sink = NeverAnswers()
    client = UsageClient(sink, source="bench", max_queue=CALLS + 10)
    samples = []
    for _ in range(CALLS):
        started = time.perf_counter_ns()
        client.record_usage(usage)
        samples.append((time.perf_counter_ns() - started) / 1000)
    client.close(timeout=0)
    sink.release.set()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


if __name__ == "__main__":
    main()
